import type { Context } from 'hono';
import { Hono, type MiddlewareHandler } from 'hono';
import type { UnusedAccessReport } from '../domain/reviews/unused-report.js';
import type { RequestContext } from '../domain/shared/types.js';
import { invalidRequest } from '../domain/shared/validation.js';
import { subjectKindOf } from '../domain/subjects/subjects.js';
import { type UnusedAccessWire, unusedAccessQueryWire } from '../wire/reviews.js';
import type { AppEnv } from './app-env.js';
import { toSubjectWire } from './entitlement-schema.js';
import { singleValuedQuery } from './query.js';

/**
 * GET /v1/reviews/unused and /v1/reviews/evidence on the admin function: standing access
 * nobody used in N days, or all of it, with its evidence. `guard` authenticates and checks the admin role before the query is read.
 */
export function unusedAccessRoutes(deps: {
  report: UnusedAccessReport;
  guard: readonly MiddlewareHandler<AppEnv>[];
  context: (c: Context<AppEnv>) => RequestContext;
}): Hono<AppEnv> {
  const api = new Hono<AppEnv>();
  // unused: what nobody used in N days; evidence: every standing row, for a plan or a reviewer.
  const answer = (all: boolean) => async (c: Context<AppEnv>) => {
    const parsed = unusedAccessQueryWire.safeParse(singleValuedQuery(c));
    if (!parsed.success) throw invalidRequest('invalid query', parsed.error, '(query)');
    const { days, accountId } = parsed.data;
    const result = await deps.report.report(
      c.get('caller'),
      { days, all, ...(accountId ? { accountId } : {}) },
      deps.context(c),
    );
    const wire: UnusedAccessWire = {
      days,
      from: result.from,
      to: result.to,
      partialAccounts: result.partialAccounts,
      entitlements: result.unused.map(({ entitlement: e, evidence }) => ({
        id: e.id,
        subject: toSubjectWire(e),
        subjectKind: subjectKindOf(e.subject),
        accountId: e.accountId,
        roleArn: e.roleArn,
        ...(evidence.lastIssuance ? { lastIssuance: evidence.lastIssuance } : {}),
        issuancesInDays: evidence.issuancesInDays,
        issuancesIn90Days: evidence.issuancesIn90Days,
        ...(evidence.added ? { added: evidence.added } : {}),
        ...(evidence.lastChanged ? { lastChanged: evidence.lastChanged } : {}),
        callers: evidence.callers,
      })),
    };
    return c.json(wire);
  };
  // Guarded per route: the review campaigns share /v1/reviews and are not admin-only.
  api.use('/unused', ...deps.guard);
  api.use('/evidence', ...deps.guard);
  api.get('/unused', answer(false));
  api.get('/evidence', answer(true));
  return api;
}
