import { isActive, roleNameOf } from '../domain/issuance/entitlements.js';
import type { Entitlement } from '../domain/shared/types.js';
import type { EntitlementViewWire } from '../wire/entitlements.js';

/** What a caller sees of their own entitlement. The ExternalId stays server-side. */
export function toEntitlementView(entitlement: Entitlement, now: Date): EntitlementViewWire {
  const view: EntitlementViewWire = {
    id: entitlement.id,
    accountId: entitlement.accountId,
    roleArn: entitlement.roleArn,
    roleName: roleNameOf(entitlement.roleArn),
    maxDurationSeconds: entitlement.maxDurationSeconds,
    reasonRequired: entitlement.reasonRequired,
    effect: entitlement.effect,
    externalIdRequired: entitlement.externalId !== undefined,
    managedPolicyArns: [...entitlement.managedPolicyArns],
    tagKeys: [...Object.keys(entitlement.tags), ...Object.keys(entitlement.claimTags)],
    active: isActive(entitlement, now),
  };
  if (entitlement.defaultDurationSeconds !== undefined)
    view.defaultDurationSeconds = entitlement.defaultDurationSeconds;
  if (entitlement.sessionPolicy !== undefined) view.sessionPolicy = entitlement.sessionPolicy;
  if (entitlement.notBefore) view.notBefore = entitlement.notBefore.toISOString();
  if (entitlement.notAfter) view.notAfter = entitlement.notAfter.toISOString();
  if (entitlement.description !== undefined) view.description = entitlement.description;
  return view;
}
