import type { ChainedAuditEvent } from '../audit/audit.js';
import type { Entitlement } from '../shared/types.js';

/** Who made an admin change, and when. */
export interface ChangeSeen {
  by: string;
  at: string;
}

/** A caller that got credentials under an entitlement in the last 90 days. */
export interface CallerSeen {
  principal: string;
  /** Display only, as audited. */
  name?: string;
  issuances: number;
  last: string;
}

/** What the audit says about one standing entitlement over a window: use and administration. */
export interface EntitlementEvidence {
  entitlementId: string;
  /** The newest issuance in the window, if any. */
  lastIssuance?: string;
  /** Issuances in the last `days` days. */
  issuancesInDays: number;
  /** Issuances in the last 90 days. */
  issuancesIn90Days: number;
  /** Its creation, when the window holds it. */
  added?: ChangeSeen;
  /** Its newest change in the window. */
  lastChanged?: ChangeSeen;
  /** Who got credentials under it in the last 90 days: the people and pipelines a change reaches. */
  callers: CallerSeen[];
}

export const EVIDENCE_DAYS = 90;

const DAY_MS = 86_400_000;

function createdBy(event: ChainedAuditEvent): boolean {
  if (event.change === undefined) return false;
  try {
    const change: unknown = JSON.parse(event.change);
    return typeof change === 'object' && change !== null && 'before' in change && change.before === null;
  } catch {
    return false;
  }
}

function countCaller(callers: CallerSeen[], event: ChainedAuditEvent): void {
  const seen = callers.find((c) => c.principal === event.principal);
  if (seen) {
    seen.issuances += 1;
    seen.last = event.time;
    return;
  }
  callers.push({
    principal: event.principal,
    ...(event.callerName !== undefined ? { name: event.callerName } : {}),
    issuances: 1,
    last: event.time,
  });
}

/**
 * Evidence per entitlement from audit records of its account (any order): issuances under
 * it (issued, not denied) counted over the last `days` and 90 days, the newest one, and the
 * admin changes that created and last changed it.
 */
export function evidenceOf(
  entitlements: readonly Entitlement[],
  events: readonly ChainedAuditEvent[],
  now: Date,
  days: number,
): EntitlementEvidence[] {
  const since = new Date(now.getTime() - days * DAY_MS).toISOString();
  const since90 = new Date(now.getTime() - EVIDENCE_DAYS * DAY_MS).toISOString();
  const byId = new Map<string, EntitlementEvidence>(
    entitlements.map((e) => [
      e.id,
      { entitlementId: e.id, issuancesInDays: 0, issuancesIn90Days: 0, callers: [] },
    ]),
  );
  for (const event of [...events].sort((a, b) => (a.time < b.time ? -1 : 1))) {
    const evidence = event.entitlementId === undefined ? undefined : byId.get(event.entitlementId);
    if (!evidence) continue;
    if (event.action === 'credentials.issue' && event.outcome === 'issued') {
      evidence.lastIssuance = event.time;
      if (event.time >= since) evidence.issuancesInDays += 1;
      if (event.time >= since90) {
        evidence.issuancesIn90Days += 1;
        countCaller(evidence.callers, event);
      }
    } else if (event.action === 'entitlement.put' && event.outcome === 'applied') {
      const seen = { by: event.principal, at: event.time };
      if (createdBy(event)) evidence.added = seen;
      evidence.lastChanged = seen;
    }
  }
  return [...byId.values()];
}
