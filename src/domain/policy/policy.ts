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
function unprovenAllow(ceiling: PolicyDocument | undefined, statement: PolicyStatement): string | undefined {
  if (statement.NotAction || statement.NotResource) {
    return "NotAction/NotResource in an Allow cannot be proven inside the entitlement's policy";
  }
  if (!ceiling) {
    return "the entitlement's managed session policies are its ceiling, and credvend cannot prove an Allow inside them";
  }
  const ceilingStatements = statementsOf(ceiling);
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

/**
 * The inline session policy to send when a caller narrows an entitlement: the caller's
 * statements, each Allow proven inside the ceiling, plus the ceiling's Deny statements so
 * that narrowing can never drop a deny. AWS unions the Allows of all session policies,
 * inline and managed, so with managed policy ARNs the inline ceiling alone must contain
 * the caller's Allows, and without an inline ceiling no Allow can be proven. Throws when
 * anything is not provable.
 */
export function narrowPolicy(ceiling: PolicyCeiling, requested: PolicyDocument): PolicyDocument {
  // Without any ceiling the entitlement grants the role's own permissions, and a session
  // policy can only ever intersect with those, so any valid document narrows.
  if (!ceiling.inline && ceiling.managedPolicyArns.length === 0) return requested;
  const requestedStatements = statementsOf(requested);
  requestedStatements.forEach((statement, index) => {
    if (statement.Effect === 'Deny') return;
    const reason = unprovenAllow(ceiling.inline, statement);
    if (reason) throw new PolicyNotNarrowingError(`sessionPolicy.Statement[${index}]: ${reason}`);
  });
  const ceilingDenies = ceiling.inline ? statementsOf(ceiling.inline).filter((s) => s.Effect === 'Deny') : [];
  return { Version: '2012-10-17', Statement: [...requestedStatements, ...ceilingDenies] };
}
