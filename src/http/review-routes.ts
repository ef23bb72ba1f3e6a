import type { Context, MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import type { PrivilegedAccess } from '../domain/identity/privileged-access.js';
import type { Review, ReviewScope } from '../domain/reviews/campaign.js';
import type { ItemView, ReviewService } from '../domain/reviews/review-service.js';
import { InvalidRequestError } from '../domain/shared/errors.js';
import type { RequestContext } from '../domain/shared/types.js';
import { invalidRequest } from '../domain/shared/validation.js';
import { ENTITLEMENT_ID } from '../wire/entitlements.js';
import {
  openReviewBodyWire,
  REVIEW_ID,
  type ReviewDetailWire,
  type ReviewItemWire,
  type ReviewListWire,
  type ReviewWire,
  reviewDecisionBodyWire,
  reviewListQueryWire,
} from '../wire/reviews.js';
import type { AppEnv } from './app-env.js';
import { toAdminWire } from './entitlement-schema.js';
import { ifMatchVersion } from './if-match-header.js';
import { parseJsonBody } from './json-body.js';
import { limitBody } from './middleware.js';
import { singleValuedQuery } from './query.js';

export function toReviewWire(r: Review): ReviewWire {
  const scope: ReviewScope = r.scope;
  return {
    id: r.id,
    scope,
    reviewers: [...r.reviewers],
    deadline: r.deadline.toISOString(),
    deadlineDefault: r.deadlineDefault,
    ...(r.description !== undefined ? { description: r.description } : {}),
    openedBy: r.openedBy.principal,
    openedAt: r.openedAt.toISOString(),
    state: r.state,
    ...(r.closedAt ? { closedAt: r.closedAt.toISOString() } : {}),
    ...(r.closedBy !== undefined ? { closedBy: r.closedBy } : {}),
    items: r.items,
  };
}

function toItemWire({ item, entitlement, evidence, callerIsSubject }: ItemView): ReviewItemWire {
  const d = item.decision;
  return {
    entitlementId: item.entitlementId,
    subject: item.subject,
    accountId: item.accountId,
    roleArn: item.roleArn,
    openedVersion: item.entitlementVersion,
    ...(entitlement ? { entitlement: toAdminWire(entitlement) } : {}),
    ...(evidence
      ? {
          evidence: {
            ...(evidence.lastIssuance ? { lastIssuance: evidence.lastIssuance } : {}),
            issuancesInDays: evidence.issuancesInDays,
            issuancesIn90Days: evidence.issuancesIn90Days,
            ...(evidence.added ? { added: evidence.added } : {}),
            ...(evidence.lastChanged ? { lastChanged: evidence.lastChanged } : {}),
            callers: evidence.callers,
          },
        }
      : {}),
    ...(d
      ? {
          decision: {
            decision: d.kind,
            ...(d.until ? { until: d.until.toISOString() } : {}),
            by: d.by,
            byName: d.byName,
            at: d.at.toISOString(),
            ...(d.note !== undefined ? { note: d.note } : {}),
            byDefault: d.byDefault,
            entitlementVersion: d.entitlementVersion,
            ...(d.outcome ? { outcome: d.outcome } : {}),
          },
        }
      : {}),
    ...(callerIsSubject !== undefined ? { callerIsSubject } : {}),
  };
}

function reviewId(c: Context<AppEnv>): string {
  const id = c.req.param('id') ?? '';
  if (!REVIEW_ID.test(id)) throw new InvalidRequestError('a review id is a ULID (26 characters)');
  return id;
}

/**
 * Access review campaigns on the admin function: admins open and close reviews; anyone
 * authenticated lists the reviews naming them; a review's reviewers (and admins) read it,
 * and only its reviewers decide its items (the service checks, and audits refusals).
 */
export function reviewRoutes(deps: {
  reviews: ReviewService;
  access: PrivilegedAccess;
  authenticated: MiddlewareHandler<AppEnv>;
  context: (c: Context<AppEnv>) => RequestContext;
}): Hono<AppEnv> {
  const api = new Hono<AppEnv>();
  api.use(deps.authenticated, limitBody);

  api.post('/', async (c) => {
    // The role (or an admin slice) before the body: anyone else learns nothing from validation errors.
    await deps.access.requireAdminScope(c.get('caller'), 'write', 'review.open', deps.context(c));
    const body = parseJsonBody(openReviewBodyWire, await c.req.text(), 'review');
    const review = await deps.reviews.open(
      c.get('caller'),
      {
        scope: body.scope,
        reviewers: body.reviewers,
        deadline: new Date(body.deadline),
        deadlineDefault: body.deadlineDefault,
        ...(body.description !== undefined ? { description: body.description } : {}),
      },
      deps.context(c),
    );
    return c.json(toReviewWire(review), 201);
  });

  api.get('/', async (c) => {
    const parsed = reviewListQueryWire.safeParse(singleValuedQuery(c));
    if (!parsed.success) throw invalidRequest('invalid query', parsed.error, '(query)');
    const reviews = await deps.reviews.list(
      c.get('caller'),
      parsed.data.state,
      parsed.data.reviewer === 'me',
    );
    const wire: ReviewListWire = { reviews: reviews.map(toReviewWire) };
    return c.json(wire);
  });

  api.get('/:id', async (c) => {
    const shown = await deps.reviews.show(c.get('caller'), reviewId(c), deps.context(c));
    const wire: ReviewDetailWire = {
      review: toReviewWire(shown.review),
      items: shown.items.map(toItemWire),
      partialAccounts: shown.partialAccounts,
    };
    return c.json(wire);
  });

  api.post('/:id/items/:entitlementId', async (c) => {
    const id = reviewId(c);
    const entitlementId = c.req.param('entitlementId');
    if (!ENTITLEMENT_ID.test(entitlementId)) throw new InvalidRequestError('not an entitlement id');
    const version = ifMatchVersion(c.req.header('if-match'));
    const body = parseJsonBody(reviewDecisionBodyWire, await c.req.text(), 'review decision');
    const decided = await deps.reviews.decide(
      c.get('caller'),
      id,
      entitlementId,
      {
        kind: body.decision,
        ...(body.until ? { until: new Date(body.until) } : {}),
        ...(body.note !== undefined ? { note: body.note } : {}),
        ...(version !== undefined ? { version } : {}),
      },
      deps.context(c),
    );
    return c.json(toItemWire({ item: decided }));
  });

  api.post('/:id/close', async (c) => {
    await deps.access.require(c.get('caller'), 'admin', 'review.close', deps.context(c));
    return c.json(toReviewWire(await deps.reviews.close(c.get('caller'), reviewId(c), deps.context(c))));
  });
  return api;
}
