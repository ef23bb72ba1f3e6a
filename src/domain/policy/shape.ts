import { InvalidRequestError } from '../shared/errors.js';

/** Deeper than any IAM policy needs (document → Statement[] → statement → Condition → operator → key → list). */
const MAX_POLICY_DEPTH = 8;

/**
 * How deep `value` nests, counted without recursion (a 64 KB body can nest 30 000 levels,
 * which would overflow the stack of anything recursive), stopping once past `limit`.
 */
function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const pending: Array<[unknown, number]> = [[value, 1]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop() ?? [undefined, 0];
    if (current === null || typeof current !== 'object') continue;
    deepest = Math.max(deepest, depth);
    if (deepest > limit) return deepest;
    for (const child of Object.values(current)) pending.push([child, depth + 1]);
  }
  return deepest;
}

const isScalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

function statementsIn(document: unknown): unknown[] {
  if (!document || typeof document !== 'object' || !('Statement' in document)) return [];
  const statement = document.Statement;
  return Array.isArray(statement) ? statement : [statement];
}

/**
 * Refuses, with a 400, a policy document nested deeper than an IAM policy can be, or a
 * condition value that is not a string, number, boolean or a list of those — what IAM
 * accepts — before anything walks the document.
 */
export function checkPolicyShape(document: unknown, path: string): void {
  if (nestingDepth(document, MAX_POLICY_DEPTH) > MAX_POLICY_DEPTH) {
    throw new InvalidRequestError(`${path} nests deeper than ${MAX_POLICY_DEPTH} levels; no IAM policy does`);
  }
  statementsIn(document).forEach((statement, index) => {
    if (!statement || typeof statement !== 'object' || !('Condition' in statement)) return;
    const condition = statement.Condition;
    if (!condition || typeof condition !== 'object') return;
    for (const [operator, block] of Object.entries(condition)) {
      if (!block || typeof block !== 'object' || Array.isArray(block)) continue;
      for (const [key, value] of Object.entries(block)) {
        const ok = isScalar(value) || (Array.isArray(value) && value.every(isScalar));
        if (!ok) {
          throw new InvalidRequestError(
            `${path} statement ${index}: the value of ${operator} ${key.slice(0, 128)} must be a string, number, boolean or a list of them`,
          );
        }
      }
    }
  });
}
