import type { ChainedAuditEvent } from '../audit/audit.js';
import type { ActivityRecord } from './cloudtrail.js';
import type { ActivityReader } from './ports.js';

/** How a record was tied to an issuance. */
export type Attribution = 'session' | 'role-chain';

export interface AttributedActivity extends ActivityRecord {
  /**
   * `session`: made with the issued access key itself. `role-chain`: made by a session that
   * one with the same SourceIdentity assumed while the issued credentials were valid (STS
   * keeps SourceIdentity down a chain): the same caller, though not necessarily this issuance.
   */
  attribution: Attribution;
}

/** The most records one answer carries; older ones are left out, and the answer says so. */
export const ACTIVITY_LIMIT = 500;

/**
 * What the credentials of one issuance did: calls made with its access key, and calls made
 * down a role chain from it (same SourceIdentity, within its validity), oldest first.
 */
export async function activityOfIssuance(
  store: ActivityReader,
  issuance: ChainedAuditEvent,
): Promise<{ records: AttributedActivity[]; truncated: boolean }> {
  if (!issuance.accessKeyId) return { records: [], truncated: false };
  const direct = await store.byAccessKey(issuance.accessKeyId, ACTIVITY_LIMIT + 1);
  const chained =
    issuance.sourceIdentity && issuance.expiration
      ? await store.bySourceIdentity(
          issuance.sourceIdentity,
          new Date(issuance.time),
          new Date(issuance.expiration),
          ACTIVITY_LIMIT + 1,
        )
      : [];
  const seen = new Set(direct.map((r) => r.eventId));
  const records: AttributedActivity[] = [
    ...direct.map((r) => ({ ...r, attribution: 'session' as const })),
    ...chained
      .filter((r) => !seen.has(r.eventId) && r.accessKeyId !== issuance.accessKeyId)
      .map((r) => ({ ...r, attribution: 'role-chain' as const })),
  ].sort((a, b) => a.time.localeCompare(b.time) || a.eventId.localeCompare(b.eventId));
  return { records: records.slice(0, ACTIVITY_LIMIT), truncated: records.length > ACTIVITY_LIMIT };
}

/** What a caller is answered: each issuance named, every record tied to the issuance it came from. */
export interface IssuancesActivity {
  issuances: Array<{ eventId: string; accessKeyId: string; expiration?: string }>;
  records: Array<AttributedActivity & { issuanceEventId: string }>;
  truncated: boolean;
}

/** The activity of several issuances (every session of a grant), oldest first. */
export async function activityOfIssuances(
  store: ActivityReader,
  issuances: readonly ChainedAuditEvent[],
): Promise<IssuancesActivity> {
  const issued = issuances.filter(
    (i) => i.action === 'credentials.issue' && i.outcome === 'issued' && i.accessKeyId,
  );
  const each = await Promise.all(issued.map((i) => activityOfIssuance(store, i)));
  // A call down a role chain can fall in two overlapping issuances' windows: shown once,
  // under the first issuance that claims it.
  const byEventId = new Map<string, AttributedActivity & { issuanceEventId: string }>();
  issued.forEach((issuance, n) => {
    for (const r of each[n]?.records ?? []) {
      if (!byEventId.has(r.eventId)) byEventId.set(r.eventId, { ...r, issuanceEventId: issuance.eventId });
    }
  });
  const records = [...byEventId.values()].sort(
    (a, b) => a.time.localeCompare(b.time) || a.eventId.localeCompare(b.eventId),
  );
  return {
    issuances: issued.map((i) => ({
      eventId: i.eventId,
      accessKeyId: i.accessKeyId ?? '',
      ...(i.expiration ? { expiration: i.expiration } : {}),
    })),
    records,
    truncated: each.some((e) => e.truncated),
  };
}
