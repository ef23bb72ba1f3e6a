import type { InputIssue } from '../shared/errors.js';
import type { PolicyDocument } from './document.js';

/**
 * IAM's condition operators as its policy grammar spells them. An operator written in
 * another case (`stringequals`), or one IAM does not have, is refused when a policy is
 * stored or requested: IAM's handling of the first is undocumented and it rejects the
 * second, which would otherwise surface as an STS error after the request was audited.
 */
const OPERATORS = new Set([
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'BinaryEquals',
  'IpAddress',
  'NotIpAddress',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
  'Null',
]);
const SET_PREFIXES = ['ForAllValues:', 'ForAnyValue:'];
const IF_EXISTS = 'IfExists';

const canonical = new Map([...OPERATORS].map((name) => [name.toLowerCase(), name]));

/** Whether `name` is an IAM condition operator exactly as IAM spells it. */
export function isCanonicalOperator(name: string): boolean {
  const prefix = SET_PREFIXES.find((p) => name.startsWith(p)) ?? '';
  const rest = name.slice(prefix.length);
  const ifExists = rest.endsWith(IF_EXISTS) && rest !== IF_EXISTS;
  const base = ifExists ? rest.slice(0, -IF_EXISTS.length) : rest;
  // IAM takes IfExists on every operator but Null.
  if (base === 'Null' && ifExists) return false;
  return OPERATORS.has(base);
}

/** The operator as IAM spells it, for the error message; undefined when there is none. */
function suggestion(name: string): string | undefined {
  const lower = name.toLowerCase();
  const prefix = SET_PREFIXES.find((p) => lower.startsWith(p.toLowerCase())) ?? '';
  let base = lower.slice(prefix.length);
  const ifExists = base.endsWith(IF_EXISTS.toLowerCase());
  if (ifExists) base = base.slice(0, -IF_EXISTS.length);
  const found = canonical.get(base);
  const candidate = found && `${prefix}${found}${ifExists ? IF_EXISTS : ''}`;
  return candidate && isCanonicalOperator(candidate) ? candidate : undefined;
}

/** Every condition operator of `document` that IAM would not take as written, with its path. */
export function conditionOperatorIssues(document: PolicyDocument, path: string): InputIssue[] {
  const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
  return statements.flatMap((statement, index) =>
    Object.keys(statement.Condition ?? {})
      .filter((name) => !isCanonicalOperator(name))
      .map((name) => {
        const fix = suggestion(name);
        return {
          path: `${path}.Statement[${index}].Condition`,
          message: `"${name.slice(0, 64)}" is not an IAM condition operator${fix ? ` (IAM spells it ${fix})` : ''}`,
        };
      }),
  );
}
