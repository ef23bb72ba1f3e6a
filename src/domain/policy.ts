import { z } from 'zod';
import { PolicyNotNarrowingError } from './errors.js';
import { invalidRequest } from './validation.js';

const stringOrList = z.union([
  z.string().min(1).max(2048),
  z.array(z.string().min(1).max(2048)).min(1).max(256),
]);

const statementSchema = z
  .object({
    Sid: z.string().max(128).optional(),
    Effect: z.enum(['Allow', 'Deny']),
    Action: stringOrList.optional(),
    NotAction: stringOrList.optional(),
    Resource: stringOrList.optional(),
    NotResource: stringOrList.optional(),
    Condition: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  })
  .strict()
  .refine((s) => (s.Action === undefined) !== (s.NotAction === undefined), {
    message: 'a statement needs exactly one of Action or NotAction',
  })
  .refine((s) => (s.Resource === undefined) !== (s.NotResource === undefined), {
    message: 'a statement needs exactly one of Resource or NotResource',
  });

/** Session policies may not name principals, so Principal/NotPrincipal are rejected by `.strict()`. */
export const policyDocumentSchema = z
  .object({
    Version: z.literal('2012-10-17'),
    Id: z.string().max(128).optional(),
    Statement: z.union([statementSchema, z.array(statementSchema).min(1).max(100)]),
  })
  .strict();

export type PolicyDocument = z.infer<typeof policyDocumentSchema>;
export type PolicyStatement = z.infer<typeof statementSchema>;

/** Validates untrusted JSON (already parsed) as an IAM session policy document. */
export function parsePolicyDocument(value: unknown, path = 'sessionPolicy'): PolicyDocument {
  const result = policyDocumentSchema.safeParse(value);
  if (!result.success) {
    throw invalidRequest(`${path} is not a valid IAM policy document`, result.error, path, [path]);
  }
  return result.data;
}

export function statementsOf(policy: PolicyDocument): PolicyStatement[] {
  return Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
}

function listOf(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The exact text STS counts against its session policy budget. */
export function minifyPolicy(policy: PolicyDocument): string {
  return JSON.stringify(policy);
}

/**
 * True when every string matched by `inner` is matched by `outer`, both IAM wildcard
 * patterns (`*` any run, `?` one character). Sound, not complete: when in doubt, false,
 * because a false "covered" would widen a caller's access.
 */
export function globCovers(outer: string, inner: string, caseInsensitive: boolean): boolean {
  const o = caseInsensitive ? outer.toLowerCase() : outer;
  const i = caseInsensitive ? inner.toLowerCase() : inner;
  // covers[b] = outer[a:] covers inner[b:], filled from the end of outer backwards.
  let next: boolean[] = Array.from({ length: i.length + 1 }, (_, b) => b === i.length);
  for (let a = o.length - 1; a >= 0; a--) {
    const current: boolean[] = new Array<boolean>(i.length + 1).fill(false);
    const oc = o[a];
    for (let b = i.length; b >= 0; b--) {
      if (oc === '*') {
        current[b] = (next[b] ?? false) || (b < i.length && (current[b + 1] ?? false));
        continue;
      }
      if (b === i.length) continue;
      const ic = i[b];
      if (ic === '*') continue;
      if (oc === '?' || (ic !== '?' && oc === ic)) current[b] = next[b + 1] ?? false;
    }
    next = current;
  }
  return next[0] ?? false;
}

function conditionsNarrow(ceiling: PolicyStatement, requested: PolicyStatement): boolean {
  // Conditions are ANDed: requiring every ceiling condition verbatim (plus any extra) is narrower.
  for (const [operator, entries] of Object.entries(ceiling.Condition ?? {})) {
    for (const [key, value] of Object.entries(entries)) {
      const mine = requested.Condition?.[operator]?.[key];
      if (JSON.stringify(mine) !== JSON.stringify(value)) return false;
    }
  }
  return true;
}

function allowCovers(ceiling: PolicyStatement, requested: PolicyStatement): boolean {
  if (ceiling.Effect !== 'Allow' || ceiling.NotAction || ceiling.NotResource) return false;
  if (!conditionsNarrow(ceiling, requested)) return false;
  const ceilingActions = listOf(ceiling.Action);
  const ceilingResources = listOf(ceiling.Resource);
  return (
    listOf(requested.Action).every((action) => ceilingActions.some((c) => globCovers(c, action, true))) &&
    listOf(requested.Resource).every((resource) =>
      ceilingResources.some((c) => globCovers(c, resource, false)),
    )
  );
}

/**
 * The session policy to send when a caller narrows an entitlement's ceiling: the caller's
 * statements, each proven inside one ceiling Allow statement, plus the ceiling's Deny
 * statements so that narrowing can never drop a deny. Throws when anything is not provable.
 */
export function narrowPolicy(ceiling: PolicyDocument | undefined, requested: PolicyDocument): PolicyDocument {
  // Without a ceiling the entitlement grants the role's own permissions, and a session
  // policy can only ever intersect with those, so any valid document narrows.
  if (!ceiling) return requested;
  const ceilingStatements = statementsOf(ceiling);
  const requestedStatements = statementsOf(requested);
  requestedStatements.forEach((statement, index) => {
    if (statement.Effect === 'Deny') return;
    if (statement.NotAction || statement.NotResource) {
      throw new PolicyNotNarrowingError(
        `sessionPolicy.Statement[${index}]: NotAction/NotResource in an Allow cannot be proven inside the entitlement's policy`,
      );
    }
    if (!ceilingStatements.some((c) => allowCovers(c, statement))) {
      throw new PolicyNotNarrowingError(
        `sessionPolicy.Statement[${index}] allows something outside the entitlement's policy`,
      );
    }
  });
  const ceilingDenies = ceilingStatements.filter((s) => s.Effect === 'Deny');
  return { Version: '2012-10-17', Statement: [...requestedStatements, ...ceilingDenies] };
}
