import { PolicyNotNarrowingError } from '../shared/errors.js';
import { invalidRequest } from '../shared/validation.js';
import { conditionsImply } from './conditions.js';
import { type PolicyDocument, type PolicyStatement, policyDocumentSchema } from './document.js';
import { actionCovers, actionsMayOverlap, resourceCovers, resourcesMayOverlap } from './elements.js';

export { type PolicyDocument, type PolicyStatement, policyDocumentSchema } from './document.js';
export { globCovers } from './patterns.js';

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

/** Session policy inputs of an entitlement: its inline ceiling and its managed session policies. */
export interface PolicyCeiling {
  inline: PolicyDocument | undefined;
  managedPolicyArns: readonly string[];
  /** The documents of those managed policies credvend could read (managed-policies.ts), by ARN. */
  managedDocuments?: ReadonlyMap<string, PolicyDocument>;
}

/** What narrowing sends to STS: the inline session policy and the managed policy ARNs kept. */
export interface NarrowedSession {
  policy: PolicyDocument;
  managedPolicyArns: readonly string[];
}

/**
 * True when the requested Allow statement's permission for this action on this resource
 * is inside `ceiling`: its action and resource are covered, and its conditions are at
 * least as strict as the ceiling statement's.
 */
function allowCovers(
  ceiling: PolicyStatement,
  requested: PolicyStatement,
  action: string,
  resource: string,
): boolean {
  if (ceiling.Effect !== 'Allow' || !conditionsImply(requested.Condition, ceiling.Condition)) return false;
  const actionInside = ceiling.NotAction
    ? listOf(ceiling.NotAction).every((excluded) => !actionsMayOverlap(excluded, action))
    : listOf(ceiling.Action).some((c) => actionCovers(c, action));
  const resourceInside = ceiling.NotResource
    ? listOf(ceiling.NotResource).every((excluded) => !resourcesMayOverlap(excluded, resource))
    : listOf(ceiling.Resource).some((c) => resourceCovers(c, resource));
  return actionInside && resourceInside;
}

/** Why a requested Allow cannot be proven inside the ceiling, or undefined when it can. */
function unprovenAllow(
  ceilingStatements: readonly PolicyStatement[],
  statement: PolicyStatement,
): string | undefined {
  if (statement.NotAction || statement.NotResource) {
    return "NotAction/NotResource in an Allow cannot be proven inside the entitlement's policy";
  }
  if (ceilingStatements.length === 0) {
    return "the entitlement's managed session policies are its ceiling, and credvend cannot read them to prove an Allow inside";
  }
  // Each action/resource pair may be proven by a different ceiling statement: the
  // statement allows exactly the union of its pairs, all under its own conditions.
  for (const action of listOf(statement.Action)) {
    for (const resource of listOf(statement.Resource)) {
      if (!ceilingStatements.some((c) => allowCovers(c, statement, action, resource))) {
        return `allows ${action} on ${resource} outside the entitlement's policy`;
      }
    }
  }
  return undefined;
}

const ALLOW_ALL: PolicyStatement = { Effect: 'Allow', Action: '*', Resource: '*' };

/**
 * What to send when a caller narrows an entitlement; throws when anything is not provable.
 *
 * - Deny statements only: the ceiling itself with the caller's denies added (a policy of
 *   denies alone would allow nothing). Without any ceiling that is Allow * plus the denies,
 *   which the role's own permissions bound; managed policy ARNs stay attached.
 * - With Allows: each must be proven inside one ceiling Allow (the inline ceiling's, or a
 *   managed policy's credvend could read). AWS unions the Allows of all session policies,
 *   so when every managed policy was read the ARNs are dropped and their Deny statements
 *   copied inline with the ceiling's: the session is exactly the caller's policy within the
 *   ceiling. When one could not be read the ARNs stay attached, and the proof used only
 *   what could be read. Either way the ceiling's denies are kept (narrowing never drops one).
 */
export function narrowPolicy(ceiling: PolicyCeiling, requested: PolicyDocument): NarrowedSession {
  const requestedStatements = statementsOf(requested);
  const managedPolicyArns = ceiling.managedPolicyArns;
  const inline = ceiling.inline ? statementsOf(ceiling.inline) : [];
  const denyOnly = requestedStatements.every((s) => s.Effect === 'Deny');
  if (denyOnly) {
    const base = ceiling.inline ? inline : managedPolicyArns.length === 0 ? [ALLOW_ALL] : [];
    return {
      policy: { Version: '2012-10-17', Statement: [...base, ...requestedStatements] },
      managedPolicyArns,
    };
  }
  // Without any ceiling the entitlement grants the role's own permissions, and a session
  // policy can only ever intersect with those, so any valid document narrows.
  if (!ceiling.inline && managedPolicyArns.length === 0) return { policy: requested, managedPolicyArns };
  const read = managedPolicyArns.map((arn) => ceiling.managedDocuments?.get(arn));
  const readable = read.filter((d) => d !== undefined).flatMap(statementsOf);
  const provers = [...inline, ...readable];
  requestedStatements.forEach((statement, index) => {
    if (statement.Effect === 'Deny') return;
    const reason = unprovenAllow(provers, statement);
    if (reason) throw new PolicyNotNarrowingError(`sessionPolicy.Statement[${index}]: ${reason}`);
  });
  const allRead = read.every((d) => d !== undefined);
  const denies = (allRead ? provers : inline).filter((s) => s.Effect === 'Deny');
  return {
    policy: { Version: '2012-10-17', Statement: [...requestedStatements, ...denies] },
    managedPolicyArns: allRead ? [] : managedPolicyArns,
  };
}
