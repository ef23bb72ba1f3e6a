import { Hono, type MiddlewareHandler } from 'hono';
import type { AuthMethod } from '../auth/auth-method.js';
import type { ActivityReader } from '../domain/activity/ports.js';
import { issuancesOfEntitlement, suggestPolicy } from '../domain/activity/suggest-policy.js';
import type { EntitlementAdmin } from '../domain/admin/entitlement-admin.js';
import { entitlementWarnings } from '../domain/admin/entitlement-validation.js';
import type { AuditAction } from '../domain/audit/audit.js';
import type { AuditReader } from '../domain/audit/query.js';
import type { PrivilegedAccess } from '../domain/identity/privileged-access.js';
import type { ReviewService } from '../domain/reviews/review-service.js';
import type { UnusedAccessReport } from '../domain/reviews/unused-report.js';
import type { Revoker } from '../domain/revocation/revoke.js';
import type { Clock } from '../domain/shared/clock.js';
import { InvalidRequestError, NotFoundError } from '../domain/shared/errors.js';
import { invalidRequest } from '../domain/shared/validation.js';
import type { SubjectExplainer } from '../domain/subjects/explainer.js';
import type { Logger } from '../logging.js';
import { type PolicySuggestionWire, suggestionQueryWire } from '../wire/activity.js';
import type { AdminScopeWire } from '../wire/admin-scope.js';
import {
  type AdminEntitlementListWire,
  ENTITLEMENT_ID,
  type EntitlementPutResultWire,
  entitlementListQueryWire,
} from '../wire/entitlements.js';
import { explanationWire, type SubjectListWire } from '../wire/subjects.js';
import type { AppEnv } from './app-env.js';
import { toRevocationWire } from './audit-view.js';
import { authenticate } from './authenticate.js';
import { parseEntitlementBody, toAdminWire } from './entitlement-schema.js';
import { ifMatchVersion } from './if-match-header.js';
import { errorHandler, limitBody, notFound, requestId, securityHeaders } from './middleware.js';
import { singleValuedQuery } from './query.js';
import { requestContextOf, type SourceIpResolver } from './request-context.js';
import { reviewRoutes } from './review-routes.js';
import { parseExplainBody, subjectsOf } from './subject-schema.js';
import { unusedAccessRoutes } from './unused-access-routes.js';

export interface AdminAppDependencies {
  admin: EntitlementAdmin;
  subjects: SubjectExplainer;
  access: PrivilegedAccess;
  revoker: Revoker;
  /** GET /v1/reviews/unused. */
  unused: UnusedAccessReport;
  /** Access review campaigns: /v1/reviews[/{id}[/items/{entitlementId}|/close]]. */
  reviews: ReviewService;
  authMethods: readonly AuthMethod[];
  logger: Logger;
  sourceIp: SourceIpResolver;
  /** True when credvend's AssumeRole is role chaining (sessions end after 1 h). */
  roleChaining: boolean;
  /** Least-privilege suggestions: the audit (issuances) and CloudTrail activity; absent when activity is off. */
  suggestions?: { audit: AuditReader; activity: ActivityReader; clock: Clock };
}

const etag = (version: number) => `"v${version}"`;

function checkedId(id: string): string {
  // `mine` is GET /v1/entitlements/mine, the caller's own list, served by the vend function.
  if (id === 'mine') throw new InvalidRequestError('"mine" is reserved and cannot be an entitlement id');
  if (!ENTITLEMENT_ID.test(id))
    throw new InvalidRequestError('entitlement ids are 1-128 characters of letters, digits and _.:@+=-');
  return id;
}

function adminActionOf(method: string, path: string): AuditAction {
  if (path.endsWith('/revoke')) return 'audit.revoke';
  if (method === 'PUT') return 'entitlement.put';
  if (method === 'DELETE') return 'entitlement.delete';
  return 'entitlement.read';
}

/** The admin function: manage entitlements; every change is audited in the same transaction. */
export function createAdminApp(deps: AdminAppDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(requestId, securityHeaders);
  app.onError(errorHandler(deps.logger));
  app.notFound(notFound);

  const context = (c: Parameters<SourceIpResolver>[0]) => requestContextOf(c, deps.sourceIp);
  // The role is checked before the body or the id is looked at: a non-admin learns nothing
  // from validation errors and gets the same audited 403 whatever it sends.
  const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
    await deps.access.require(c.get('caller'), 'admin', adminActionOf(c.req.method, c.req.path), context(c));
    await next();
  };

  // Entitlement rows may also be administered by a pipeline within its slice: the domain
  // judges each row; here only whether the caller administers anything at all.
  const requireAdminScope: MiddlewareHandler<AppEnv> = async (c, next) => {
    const mode = c.req.method === 'GET' ? 'read' : 'write';
    const action = adminActionOf(c.req.method, c.req.path);
    await deps.access.requireAdminScope(c.get('caller'), mode, action, context(c));
    await next();
  };

  const api = new Hono<AppEnv>();
  api.use(authenticate(deps.authMethods, undefined, deps.sourceIp), requireAdminScope, limitBody);

  api.get('/', async (c) => {
    const parsed = entitlementListQueryWire.safeParse(singleValuedQuery(c));
    if (!parsed.success) throw invalidRequest('invalid query', parsed.error, '(query)');
    const page = await deps.admin.list(c.get('caller'), parsed.data.limit, parsed.data.cursor, context(c));
    const wire: AdminEntitlementListWire = { entitlements: page.entitlements.map(toAdminWire) };
    if (page.nextCursor) wire.nextCursor = page.nextCursor;
    return c.json(wire);
  });

  api.get('/:id', async (c) => {
    const entitlement = await deps.admin.get(c.get('caller'), checkedId(c.req.param('id')), context(c));
    c.header('etag', etag(entitlement.version));
    return c.json(toAdminWire(entitlement));
  });

  api.get('/:id/suggested-policy', async (c) => {
    // Suggestions read the audit and CloudTrail: the admin role's, never a slice's.
    await deps.access.require(c.get('caller'), 'admin', 'entitlement.read', context(c));
    const entitlement = await deps.admin.get(c.get('caller'), checkedId(c.req.param('id')), context(c));
    const query = suggestionQueryWire.safeParse(singleValuedQuery(c));
    if (!query.success) throw invalidRequest('invalid query', query.error, '(query)');
    if (!deps.suggestions)
      throw new NotFoundError('CloudTrail activity is not configured (cloudTrailBucket)');
    const { audit, activity, clock } = deps.suggestions;
    const to = clock.now();
    const from = new Date(to.getTime() - query.data.days * 86_400_000);
    const found = await issuancesOfEntitlement(audit, entitlement, from, to);
    const suggestion = await suggestPolicy(entitlement, found, activity);
    const wire: PolicySuggestionWire = {
      entitlementId: entitlement.id,
      days: query.data.days,
      ...suggestion,
    };
    return c.json(wire);
  });

  api.put('/:id', async (c) => {
    const id = checkedId(c.req.param('id'));
    const input = parseEntitlementBody(id, await c.req.text());
    const expected = ifMatchVersion(c.req.header('if-match'));
    const saved = await deps.admin.put(c.get('caller'), input, expected, context(c));
    c.header('etag', etag(saved.version));
    const wire: EntitlementPutResultWire = toAdminWire(saved);
    const warnings = entitlementWarnings(saved, { roleChaining: deps.roleChaining });
    if (warnings.length > 0) wire.warnings = warnings;
    return c.json(wire, expected === undefined ? 201 : 200);
  });

  api.delete('/:id', async (c) => {
    const id = checkedId(c.req.param('id'));
    await deps.admin.delete(c.get('caller'), id, ifMatchVersion(c.req.header('if-match')), context(c));
    return c.body(null, 204);
  });

  app.route('/v1/entitlements', api);

  const subjects = new Hono<AppEnv>();
  subjects.use(authenticate(deps.authMethods, undefined, deps.sourceIp), requireAdmin, limitBody);
  subjects.get('/', async (c) => {
    const parsed = entitlementListQueryWire.safeParse(singleValuedQuery(c));
    if (!parsed.success) throw invalidRequest('invalid query', parsed.error, '(query)');
    const page = await deps.admin.list(c.get('caller'), parsed.data.limit, parsed.data.cursor, context(c));
    const wire: SubjectListWire = { subjects: subjectsOf(page.entitlements) };
    if (page.nextCursor) wire.nextCursor = page.nextCursor;
    return c.json(wire);
  });
  subjects.post('/explain', async (c) => {
    const { issuer, claims } = parseExplainBody(await c.req.text());
    // The wire schema is the allow-list of what an explanation shows.
    return c.json(
      explanationWire.parse(await deps.subjects.explain(c.get('caller'), issuer, claims, context(c))),
    );
  });
  app.route('/v1/subjects', subjects);

  const revocations = new Hono<AppEnv>();
  revocations.use(authenticate(deps.authMethods, undefined, deps.sourceIp), requireAdmin);
  revocations.post('/:id/revoke', async (c) => {
    const id = c.req.param('id');
    if (!/^[0-9A-Z]{16,128}$/.test(id))
      throw new InvalidRequestError('give an event id (ULID) or an access key id');
    return c.json(toRevocationWire(await deps.revoker.revoke(c.get('caller'), id, context(c))));
  });
  app.route('/v1/audit/events', revocations);

  // Bounds only: which ids and accounts, never the claim rules that grant them.
  app.get('/v1/admin/scope', authenticate(deps.authMethods, undefined, deps.sourceIp), async (c) => {
    const scope = await deps.access.requireAdminScope(
      c.get('caller'),
      'read',
      'entitlement.read',
      context(c),
    );
    const wire: AdminScopeWire =
      scope.kind === 'all'
        ? { kind: 'all' }
        : {
            kind: 'slices',
            slices: scope.slices.map(({ name, accounts, ids }) => ({
              name,
              accounts: [...accounts],
              ids: [...ids],
            })),
          };
    return c.json(wire);
  });

  const guard = [authenticate(deps.authMethods, undefined, deps.sourceIp), requireAdmin];
  app.route('/v1/reviews', unusedAccessRoutes({ report: deps.unused, guard, context }));
  app.route(
    '/v1/reviews',
    reviewRoutes({
      reviews: deps.reviews,
      access: deps.access,
      authenticated: authenticate(deps.authMethods, undefined, deps.sourceIp),
      context,
    }),
  );
  return app;
}
