import { NotEntitledError } from './errors.js';
import type { Caller, Entitlement, IssuanceTarget } from './types.js';

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

/**
 * Picks the entitlement that grants `target` to `caller`, or throws. Deny by default:
 * no match, or only matches outside their validity window, is a denial; the message is
 * the same either way so a caller learns nothing about accounts they are not entitled to.
 * With several matches the one for the caller's most specific subject key wins; an active
 * `deny` entitlement of any of the caller's subjects for the same account and role wins
 * over every allow.
 */
export function selectEntitlement(
  caller: Caller,
  entitlements: readonly Entitlement[],
  target: IssuanceTarget,
  now: Date,
): Entitlement {
  const applicable = entitlements.filter((e) => caller.subjectKeys.includes(e.subject) && isActive(e, now));
  const candidates = applicable
    .filter((e) => e.effect === 'allow' && matchesTarget(e, target))
    .sort(
      (a, b) =>
        caller.subjectKeys.indexOf(a.subject) - caller.subjectKeys.indexOf(b.subject) ||
        a.id.localeCompare(b.id),
    );
  const chosen = candidates[0];
  if (!chosen) {
    const what =
      'entitlementId' in target
        ? `entitlement ${target.entitlementId}`
        : `role ${target.roleName} in account ${target.accountId}`;
    throw new NotEntitledError(`you are not entitled to ${what}`);
  }
  // IAM role names are unique ignoring case: a deny for `Deployer` is a deny for `deployer`.
  const chosenRole = roleNameOf(chosen.roleArn).toLowerCase();
  const denied = applicable.some(
    (e) =>
      e.effect === 'deny' &&
      e.accountId === chosen.accountId &&
      roleNameOf(e.roleArn).toLowerCase() === chosenRole,
  );
  if (denied) {
    throw new NotEntitledError(
      `you are not entitled to role ${roleNameOf(chosen.roleArn)} in account ${chosen.accountId}: an explicit deny applies`,
    );
  }
  return chosen;
}
