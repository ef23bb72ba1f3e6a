import { z } from 'zod';
import { type AuditFilter, type AuditPageRequest, MAX_RANGE_DAYS } from '../domain/audit-query.js';
import { InvalidRequestError } from '../domain/errors.js';
import { invalidRequest } from '../domain/validation.js';

export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;
/** Without `from`, a query looks back this far; by-day pages cost one Query per empty day. */
export const DEFAULT_LOOKBACK_DAYS = 30;

const isoTime = z.iso.datetime({ offset: true });

const auditQuerySchema = z
  .object({
    principal: z.string().min(1).max(2048).optional(),
    accountId: z
      .string()
      .regex(/^\d{12}$/, 'a 12-digit AWS account id')
      .optional(),
    roleArn: z
      .string()
      .regex(/^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'an IAM role ARN')
      .optional(),
    outcome: z.enum(['issued', 'applied', 'denied', 'error']).optional(),
    accessRequest: z
      .string()
      .regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'an access request id')
      .optional(),
    from: isoTime.optional(),
    to: isoTime.optional(),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
    cursor: z.string().min(1).max(4096).optional(),
    format: z.enum(['json', 'ndjson']).default('json'),
  })
  .strict();

export interface ParsedAuditQuery {
  request: AuditPageRequest;
  format: 'json' | 'ndjson';
}

/** Resolves from/to with defaults and bounds; both normalised to the stored time format. */
export function parseRange(query: { from?: string; to?: string }, now: Date): { from: string; to: string } {
  const to = query.to ? new Date(query.to) : now;
  const from = query.from
    ? new Date(query.from)
    : new Date(to.getTime() - DEFAULT_LOOKBACK_DAYS * 86_400_000);
  if (from > to) throw new InvalidRequestError('from must not be after to');
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * 86_400_000) {
    throw new InvalidRequestError(`a query spans at most ${MAX_RANGE_DAYS} days`);
  }
  return { from: from.toISOString(), to: to.toISOString() };
}

export function parseAuditQuery(query: Record<string, string>, now: Date): ParsedAuditQuery {
  const result = auditQuerySchema.safeParse(query);
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
    ...parseRange(q, now),
    limit: q.limit,
  };
  if (q.cursor !== undefined) request.cursor = q.cursor;
  return { request, format: q.format };
}

const verifySchema = z.object({ from: isoTime.optional(), to: isoTime.optional() }).strict();

export function parseVerifyQuery(query: Record<string, string>, now: Date): { from: string; to: string } {
  const result = verifySchema.safeParse(query);
  if (!result.success) throw invalidRequest('invalid verify query', result.error, '(query)');
  return parseRange(result.data, now);
}
