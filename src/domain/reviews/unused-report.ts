import { isGrantRow } from '../access-code/ownership.js';
import type { EntitlementAdminStore } from '../admin/ports.js';
import type { AuditReader } from '../audit/query.js';
import { type AuditWindow, readAuditWindow } from '../audit/window.js';
import type { PrivilegedAccess } from '../identity/privileged-access.js';
import type { Clock } from '../shared/clock.js';
import { InvalidRequestError } from '../shared/errors.js';
import type { Caller, Entitlement, RequestContext } from '../shared/types.js';
import { type EntitlementEvidence, EVIDENCE_DAYS, evidenceOf } from './evidence.js';

/** Audit pages (of 1000) read per account: a report, not an export; past it the report says it is partial. */
export const MAX_AUDIT_PAGES_PER_ACCOUNT = 20;
/** Entitlements per page of the store's listing. */
const ENTITLEMENT_PAGE = 1000;
const DAY_MS = 86_400_000;

export interface UnusedAccessQuery {
  /** Unused: no issuance in this many days (1-400). */
  days: number;
  accountId?: string;
  /** Every standing entitlement with its evidence, used or not (what a plan or a reviewer reads). */
  all?: boolean;
}

export interface UnusedAccess {
  entitlement: Entitlement;
  evidence: EntitlementEvidence;
}

export interface UnusedAccessReportResult {
  from: string;
  to: string;
  unused: UnusedAccess[];
  /** Accounts whose audit had more than the report reads: their rows may have been used after all. */
  partialAccounts: string[];
}

/**
 * Standing access nobody has used: every allow entitlement (grants excluded) with no
 * issuance in the last N days, with its evidence from the audit. Reads one account-index
 * Query per account over the window; nothing is written.
 */
export class UnusedAccessReport {
  constructor(
    private readonly deps: {
      store: EntitlementAdminStore;
      reader: AuditReader;
      access: PrivilegedAccess;
      clock: Clock;
      /** The audit table's hot window: evidence older than it has left the table. */
      hotDays?: number;
    },
  ) {}

  async report(
    caller: Caller,
    query: UnusedAccessQuery,
    context: RequestContext,
  ): Promise<UnusedAccessReportResult> {
    await this.deps.access.require(caller, 'admin', 'entitlement.read', context);
    const hot = this.deps.hotDays;
    // Use older than the hot window is not in the table: such a report would call it unused.
    if (hot !== undefined && query.days > hot)
      throw new InvalidRequestError(
        `the audit table holds ${hot} days of issuances (its hot window): ask for at most ${hot} days; older issuances are in the export (docs/guides/audit.md: History past the hot window)`,
      );
    const standing = (await standingEntitlements(this.deps.store)).filter(
      (e) => query.accountId === undefined || e.accountId === query.accountId,
    );
    const { from, to, evidence, partialAccounts } = await this.evidenceOf(standing, query.days);
    const unused: UnusedAccess[] = [];
    standing.forEach((entitlement, i) => {
      const seen = evidence[i];
      if (seen && (query.all || seen.issuancesInDays === 0)) unused.push({ entitlement, evidence: seen });
    });
    return { from, to, unused, partialAccounts };
  }

  /**
   * The evidence of each row (same order), read one account at a time. No role check: the
   * caller decides who may see it (an admin's report, a review's named reviewers).
   */
  async evidenceOf(
    rows: readonly Entitlement[],
    days: number = EVIDENCE_DAYS,
  ): Promise<{ from: string; to: string; evidence: EntitlementEvidence[]; partialAccounts: string[] }> {
    const now = this.deps.clock.now();
    const from = new Date(now.getTime() - Math.max(days, EVIDENCE_DAYS) * DAY_MS).toISOString();
    const to = now.toISOString();
    const byId = new Map<string, EntitlementEvidence>();
    const partialAccounts: string[] = [];
    for (const accountId of [...new Set(rows.map((e) => e.accountId))].sort()) {
      const ofAccount = rows.filter((e) => e.accountId === accountId);
      const { events, complete } = await this.accountEvents(accountId, from, to);
      if (!complete) partialAccounts.push(accountId);
      for (const seen of evidenceOf(ofAccount, events, now, days)) byId.set(seen.entitlementId, seen);
    }
    const evidence = rows.map(
      (e) => byId.get(e.id) ?? { entitlementId: e.id, issuancesInDays: 0, issuancesIn90Days: 0, callers: [] },
    );
    return { from, to, evidence, partialAccounts };
  }

  private accountEvents(accountId: string, from: string, to: string): Promise<AuditWindow> {
    return readAuditWindow(
      this.deps.reader,
      { filter: { by: 'accountId', value: accountId }, from, to },
      { maxPages: MAX_AUDIT_PAGES_PER_ACCOUNT },
    );
  }
}

/** Standing access: allow entitlements that are not a just-in-time grant's row, by id. */
export async function standingEntitlements(store: EntitlementAdminStore): Promise<Entitlement[]> {
  const all: Entitlement[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list(ENTITLEMENT_PAGE, cursor);
    all.push(...page.entitlements);
    cursor = page.nextCursor;
  } while (cursor);
  return all
    .filter((e) => e.effect === 'allow' && !isGrantRow(e.id) && e.accessRequestId === undefined)
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}
