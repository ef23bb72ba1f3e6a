import { type Context, Hono } from 'hono';
import type { AuthMethod } from '../auth/auth-method.js';
import { type RoleAssignments, rolesOf, slicesHeldBy } from '../domain/identity/roles.js';
import type { IdempotentIssuer } from '../domain/issuance/idempotent-issuer.js';
import type { CredentialVendor, Issuance } from '../domain/issuance/vend.js';
import type { Clock } from '../domain/shared/clock.js';
import { CredvendError, InvalidRequestError } from '../domain/shared/errors.js';
import type { AssumedRole, Credentials, IssuancePlan } from '../domain/shared/types.js';
import type { Logger } from '../logging.js';
import type { CallerWire } from '../wire/caller.js';
import type { MyEntitlementsWire } from '../wire/entitlements.js';
import type { AppEnv } from './app-env.js';
import { authenticate } from './authenticate.js';
import { FORMAT_ANSWERS } from './credential-formats.js';
import { toEntitlementView } from './entitlement-view.js';
import { parseIssuanceBody } from './issuance-schema.js';
import { errorHandler, limitBody, notFound, requestId, securityHeaders } from './middleware.js';
import { toPlanWire } from './plan-view.js';
import { requestContextOf, type SourceIpResolver } from './request-context.js';

export interface VendAppDependencies {
  vendor: CredentialVendor;
  authMethods: readonly AuthMethod[];
  clock: Clock;
  logger: Logger;
  /** The caller's network address as the runtime knows it (API Gateway, or the socket locally). */
  sourceIp: SourceIpResolver;
  /** Idempotent issuance for requests with an Idempotency-Key; absent, such requests are refused. */
  idempotent?: IdempotentIssuer;
  /** The console federation flow: a sign-in URL for issued credentials. */
  consoleUrl: (credentials: Credentials, durationSeconds: number) => Promise<string>;
  /** Who holds the auditor and admin roles: GET /me says which the caller holds. */
  roles: RoleAssignments;
}

const IDEMPOTENCY_KEY = /^[\w.:-]{1,128}$/;

/** The vend function: issue credentials, list one's own entitlements, health. */
export function createVendApp(deps: VendAppDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(requestId, securityHeaders);
  app.onError(errorHandler(deps.logger));
  app.notFound(notFound);

  app.get('/healthz', (c) => c.json({ status: 'ok' as const }));

  const requestContext = (c: Context<AppEnv>) => requestContextOf(c, deps.sourceIp);

  const api = new Hono<AppEnv>();
  api.use(
    limitBody,
    authenticate(
      deps.authMethods,
      (c, claimed, error) =>
        deps.vendor.recordRejection(
          { principal: claimed, authMethod: error.claimedAuthMethod ?? 'aws-sigv4', displayName: claimed },
          requestContext(c),
          error,
        ),
      deps.sourceIp,
    ),
  );

  api.post('/credentials', async (c) => {
    const caller = c.get('caller');
    const context = requestContext(c);
    const text = await c.req.text();
    const idempotencyKey = c.req.header('idempotency-key');
    let parsed: ReturnType<typeof parseIssuanceBody>;
    try {
      parsed = parseIssuanceBody(text);
      if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
        throw new InvalidRequestError('Idempotency-Key is 1-128 characters of letters, digits and _.:-');
      }
      if (idempotencyKey !== undefined && !deps.idempotent) {
        throw new InvalidRequestError('Idempotency-Key is not enabled on this server');
      }
    } catch (error) {
      if (error instanceof CredvendError) await deps.vendor.recordRejection(caller, context, error);
      throw error;
    }
    let issuance: Issuance;
    // The console sign-in token is fetched before the audit record, so a failure there
    // leaves an `error` record rather than an `issued` one for credentials never delivered.
    let consoleUrl: string | undefined;
    const deliver =
      parsed.format === 'console'
        ? async (assumed: AssumedRole, plan: IssuancePlan) => {
            consoleUrl = await deps.consoleUrl(assumed.credentials, plan.durationSeconds);
          }
        : undefined;
    if (idempotencyKey !== undefined && deps.idempotent) {
      const result = await deps.idempotent.issue(
        caller,
        parsed.request,
        context,
        idempotencyKey,
        text,
        deliver,
      );
      issuance = result.issuance;
      c.header('idempotent-replayed', String(result.replayed));
    } else {
      issuance = await deps.vendor.issue(caller, parsed.request, context, deliver);
    }
    deps.logger.info('credentials issued', {
      requestId: context.requestId,
      eventId: issuance.eventId,
      principal: caller.principal,
      roleArn: issuance.plan.roleArn,
      accessKeyId: issuance.assumed.credentials.accessKeyId,
    });
    c.header('cache-control', 'no-store');
    c.header('x-credvend-event-id', issuance.eventId);
    const answer = await FORMAT_ANSWERS[parsed.format](
      issuance,
      async () =>
        consoleUrl ?? (await deps.consoleUrl(issuance.assumed.credentials, issuance.plan.durationSeconds)),
    );
    return 'text' in answer ? c.text(answer.text) : c.json(answer.json);
  });

  api.post('/credentials/plan', async (c) => {
    const { request } = parseIssuanceBody(await c.req.text());
    return c.json(toPlanWire(await deps.vendor.plan(c.get('caller'), request)));
  });

  api.get('/me', (c) => {
    const caller = c.get('caller');
    const wire: CallerWire = {
      principal: caller.principal,
      displayName: caller.displayName,
      roles: rolesOf(caller, deps.roles),
      adminSlices: slicesHeldBy(caller, deps.roles),
    };
    return c.json(wire);
  });

  api.get('/entitlements/mine', async (c) => {
    const now = deps.clock.now();
    const entitlements = await deps.vendor.entitlementsOf(c.get('caller'));
    const wire: MyEntitlementsWire = { entitlements: entitlements.map((e) => toEntitlementView(e, now)) };
    return c.json(wire);
  });

  app.route('/v1', api);
  // The same routes behind API Gateway's aws_iam authorizer (see serverless.yml).
  app.route('/v1/iam', api);
  return app;
}
