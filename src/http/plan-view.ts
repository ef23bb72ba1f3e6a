import { limitUsage } from '../domain/issuance/plan.js';
import { STS_LIMITS } from '../domain/issuance/sts-limits.js';
import type { PlannedIssuance } from '../domain/issuance/vend.js';
import type { PlanResponseWire } from '../wire/plan.js';

/**
 * What a dry run shows, field by field. The ExternalId is never sent back (it guards
 * against a confused deputy); only whether one would be sent.
 */
export function toPlanWire({ plan, match }: PlannedIssuance): PlanResponseWire {
  const wire: PlanResponseWire = {
    entitlementId: plan.entitlementId,
    accountId: plan.accountId,
    roleArn: plan.roleArn,
    durationSeconds: plan.durationSeconds,
    durationBoundBy: plan.durationBoundBy,
    sessionName: plan.sessionName,
    sourceIdentity: plan.sourceIdentity,
    policyArns: [...plan.policyArns],
    sessionPolicyChars: plan.sessionPolicyChars,
    sessionPolicyBudget: { used: plan.sessionPolicyChars, max: STS_LIMITS.sessionPolicyMaxChars },
    tags: plan.tags.map((t) => ({ key: t.key, value: t.value })),
    transitiveTagKeys: [...plan.transitiveTagKeys],
    externalIdSent: plan.externalId !== undefined,
    nearestLimits: limitUsage(plan).slice(0, 3),
    // Which of the caller's own subjects granted this, and why (see SUBJECT_PRECEDENCE).
    matchedSubject: { kind: match.kind, why: match.why },
  };
  // The minified policy actually sent, shown as the document it is.
  if (plan.sessionPolicy !== undefined) wire.sessionPolicy = JSON.parse(plan.sessionPolicy);
  if (plan.reason !== undefined) wire.reason = plan.reason;
  return wire;
}
