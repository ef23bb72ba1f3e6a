import { type AuditFilter, type AuditPageRequest, MAX_RANGE_DAYS } from '../domain/audit/query.js';
import { InvalidRequestError } from '../domain/shared/errors.js';
import { invalidRequest } from '../domain/shared/validation.js';
import { auditQueryWire, verifyQueryWire } from '../wire/audit.js';

/** Without `from`, a query looks back this far; by-day pages cost one Query per empty day. */
const DEFAULT_LOOKBACK_DAYS = 30;

/** The table's hot window: records older are only in the export (domain/audit/export.ts). */
export interface HotWindow {
  days: number;
  /** Where the export is: `s3://<bucket>/<prefix>`. */
  exports: string;
}

export interface ParsedAuditQuery {
  request: AuditPageRequest;
  format: 'json' | 'ndjson';
}

/**
 * A range reaching before the hot window is refused, not answered in part: the table no longer
 * holds those records, and a page that silently lacked them would read as "nobody did".
 */
function assertInHotWindow(from: Date, now: Date, hot: HotWindow | undefined): void {
  if (!hot) return;
  const start = new Date(now.getTime() - hot.days * 86_400_000);
  if (from >= start) return;
  throw new InvalidRequestError(
    `records before ${start.toISOString()} have left the audit table (its hot window is ${hot.days} days) and are in the export at ${hot.exports}: query from ${start.toISOString()} on, or read and verify the export with credvend audit verify-offline --records <a copy of it> (docs/guides/audit.md: History past the hot window)`,
  );
}

/** Resolves from/to with defaults and bounds; both normalised to the stored time format. */
function parseRange(
  query: { from?: string; to?: string },
  now: Date,
  hot?: HotWindow,
): { from: string; to: string } {
  const to = query.to ? new Date(query.to) : now;
  const from = query.from
    ? new Date(query.from)
    : new Date(
        to.getTime() - Math.min(DEFAULT_LOOKBACK_DAYS, hot?.days ?? DEFAULT_LOOKBACK_DAYS) * 86_400_000,
      );
  if (from > to) throw new InvalidRequestError('from must not be after to');
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * 86_400_000) {
    throw new InvalidRequestError(`a query spans at most ${MAX_RANGE_DAYS} days`);
  }
  assertInHotWindow(from, now, hot);
  return { from: from.toISOString(), to: to.toISOString() };
}

export function parseAuditQuery(query: Record<string, string>, now: Date, hot?: HotWindow): ParsedAuditQuery {
  const result = auditQueryWire.safeParse(query);
  if (!result.success) throw invalidRequest('invalid audit query', result.error, '(query)');
  const q = result.data;
  const filters: AuditFilter[] = [];
  if (q.principal !== undefined) filters.push({ by: 'principal', value: q.principal });
  if (q.accountId !== undefined) filters.push({ by: 'accountId', value: q.accountId });
  if (q.roleArn !== undefined) filters.push({ by: 'roleArn', value: q.roleArn });
  if (q.outcome !== undefined) filters.push({ by: 'outcome', value: q.outcome });
  if (q.accessRequest !== undefined) filters.push({ by: 'accessRequestId', value: q.accessRequest });
  if (filters.length > 1) {
    throw new InvalidRequestError(
      'filter by one of principal, accountId, roleArn, outcome or accessRequest per query (each is served by its own index)',
    );
  }
  const request: AuditPageRequest = {
    filter: filters[0] ?? { by: 'all' },
    ...parseRange(q, now, hot),
    limit: q.limit,
  };
  if (q.cursor !== undefined) request.cursor = q.cursor;
  return { request, format: q.format };
}

export function parseVerifyQuery(
  query: Record<string, string>,
  now: Date,
  hot?: HotWindow,
): { from: string; to: string } {
  const result = verifyQueryWire.safeParse(query);
  if (!result.success) throw invalidRequest('invalid verify query', result.error, '(query)');
  return parseRange(result.data, now, hot);
}
