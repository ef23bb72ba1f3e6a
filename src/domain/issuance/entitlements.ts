import { type ClosestRule, NotEntitledError } from '../shared/errors.js';
import type { Caller, Entitlement, IssuanceTarget } from '../shared/types.js';
import {
  closestMiss,
  type MatchableCaller,
  matchSubject,
  precedenceOf,
  type SubjectMatch,
} from '../subjects/match.js';

export function roleNameOf(roleArn: string): string {
  return roleArn.slice(roleArn.lastIndexOf('/') + 1);
}

export function isActive(entitlement: Entitlement, now: Date): boolean {
  if (entitlement.notBefore && now < entitlement.notBefore) return false;
  if (entitlement.notAfter && now >= entitlement.notAfter) return false;
  return true;
}

function matchesTarget(entitlement: Entitlement, target: IssuanceTarget): boolean {
  if ('entitlementId' in target) return entitlement.id === target.entitlementId;
  return entitlement.accountId === target.accountId && roleNameOf(entitlement.roleArn) === target.roleName;
}

export interface MatchedEntitlement {
  entitlement: Entitlement;
  match: SubjectMatch;
}

/**
 * The entitlements whose subject is this caller (claim rules evaluated); with `now`, only
 * those inside their validity window.
 */
export function applicableEntitlements(
  caller: MatchableCaller,
  entitlements: readonly Entitlement[],
  now?: Date,
): MatchedEntitlement[] {
  const applicable: MatchedEntitlement[] = [];
  for (const entitlement of entitlements) {
    if (now && !isActive(entitlement, now)) continue;
    const match = matchSubject(entitlement, caller);
    if (match) applicable.push({ entitlement, match });
  }
  return applicable;
}

/** 0 for a standing entitlement, 1 for a just-in-time grant's. */
const grantRank = (m: MatchedEntitlement): number => (m.entitlement.accessRequestId === undefined ? 0 : 1);

/**
 * Standing entitlements before grants, then the most specific subject, then the id. A role
 * named by account and role gets the standing entitlement when there is one, so a grant's
 * end (a Deny on its session tag) never ends sessions the caller opened under standing
 * access; the grant is used by naming its id (`grant-<request id>`, `credvend grants`).
 */
function compareMatches(caller: MatchableCaller): (a: MatchedEntitlement, b: MatchedEntitlement) => number {
  return (a, b) => {
    const [kindA, keyA] = precedenceOf(a.match, caller);
    const [kindB, keyB] = precedenceOf(b.match, caller);
    return (
      grantRank(a) - grantRank(b) ||
      kindA - kindB ||
      keyA - keyB ||
      a.entitlement.id.localeCompare(b.entitlement.id)
    );
  };
}

/**
 * Picks the entitlement that grants `target` to `caller`, and the subject that matched, or
 * throws. Deny by default: no match, or only matches outside their validity window, is a
 * denial, in words that never say whether the account or role exists. Among allows the
 * most specific subject wins (exact principal, group, claim rule, account root; see
 * SUBJECT_PRECEDENCE); an active `deny` for any subject of the caller on the same account
 * and role wins over every allow. A denied caller is told which of its issuer's claim
 * rules for this target came closest and which of its own claims failed.
 */
export function resolveEntitlement(
  caller: MatchableCaller,
  entitlements: readonly Entitlement[],
  target: IssuanceTarget,
  now: Date,
): MatchedEntitlement {
  const applicable = applicableEntitlements(caller, entitlements, now);
  const candidates = applicable
    .filter((m) => m.entitlement.effect === 'allow' && matchesTarget(m.entitlement, target))
    .sort(compareMatches(caller));
  const chosen = candidates[0];
  if (!chosen) {
    const what =
      'entitlementId' in target
        ? `entitlement ${target.entitlementId}`
        : `role ${target.roleName} in account ${target.accountId}`;
    const forTarget = entitlements.filter(
      (e) => e.effect === 'allow' && isActive(e, now) && matchesTarget(e, target),
    );
    const closest = closestRuleOf(caller, forTarget);
    const hint = closest ? `; closest claim rule ${closest.entitlementId}: ${closest.detail}` : '';
    throw new NotEntitledError(`you are not entitled to ${what}${hint}`, closest);
  }
  // IAM role names are unique ignoring case: a deny for `Deployer` is a deny for `deployer`.
  const { accountId, roleArn } = chosen.entitlement;
  const chosenRole = roleNameOf(roleArn).toLowerCase();
  const deny = applicable.find(
    (m) =>
      m.entitlement.effect === 'deny' &&
      m.entitlement.accountId === accountId &&
      roleNameOf(m.entitlement.roleArn).toLowerCase() === chosenRole,
  );
  if (deny) {
    throw new NotEntitledError(
      `you are not entitled to role ${roleNameOf(roleArn)} in account ${accountId}: an explicit deny applies (${deny.match.kind})`,
    );
  }
  return chosen;
}

function closestRuleOf(caller: MatchableCaller, rows: readonly Entitlement[]): ClosestRule | undefined {
  const miss = closestMiss(rows, caller);
  if (!miss) return undefined;
  return {
    entitlementId: miss.row.id,
    conditionsHeld: miss.held,
    conditions: miss.of,
    failedClaim: miss.failed.claim,
    detail: miss.detail,
  };
}

/** `resolveEntitlement` for callers that only need the entitlement. */
export function selectEntitlement(
  caller: Caller,
  entitlements: readonly Entitlement[],
  target: IssuanceTarget,
  now: Date,
): Entitlement {
  return resolveEntitlement(caller, entitlements, target, now).entitlement;
}
