import type { APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditPageWire } from '../../src/wire/audit.js';
import { credentialsResponseWire } from '../../src/wire/credentials.js';
import { httpApiEvent, iamAuthorizedEvent, lambdaContext } from '../fixtures/api-gateway-events.js';
import { adminApp, devToken, functionCredentials, stack } from './support.js';

const CALLER = 'arn:aws:sts::111111111111:assumed-role/ci-deployer/build-1234';

type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyResult>;

/**
 * The files share one process (vitest `isolate: false`): what this file puts into
 * process.env for the handlers is taken out again, or a later file's child processes
 * (npm start, the CLI) would inherit a function's session and the stack's settings.
 */
const ENVIRONMENT_BEFORE = { ...process.env };
afterAll(() => {
  for (const name of Object.keys(process.env)) if (!(name in ENVIRONMENT_BEFORE)) delete process.env[name];
  Object.assign(process.env, ENVIRONMENT_BEFORE);
});

/**
 * The real functions/* modules, loaded with a Lambda-like environment pointing at the
 * local stack: configuration comes from process.env at import time, as in Lambda.
 */
async function loadHandler(name: 'vend' | 'audit' | 'admin'): Promise<Handler> {
  // Lambda hands a function its role's session in the environment; the SDK's default chain
  // reads it from there on the handler's first call.
  const provided = functionCredentials(name);
  const session = typeof provided === 'function' ? await provided() : provided;
  Object.assign(process.env, stack().credvendEnv, {
    AWS_ACCESS_KEY_ID: session.accessKeyId,
    AWS_SECRET_ACCESS_KEY: session.secretAccessKey,
    AWS_SESSION_TOKEN: session.sessionToken ?? '',
    CREDVEND_LOG_LEVEL: 'silent',
  });
  const modules = {
    vend: () => import('../../functions/vend.js'),
    audit: () => import('../../functions/audit.js'),
    admin: () => import('../../functions/admin.js'),
  };
  const { handler } = await modules[name]();
  return handler as Handler;
}

describe('Lambda handlers with API Gateway HTTP API events', () => {
  let vend: Handler;
  const id = `ci-deployer-${Date.now()}`;

  beforeAll(async () => {
    vend = await loadHandler('vend');
    const created = await adminApp().request(`/v1/entitlements/${id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${await devToken('admin@example.com')}` },
      body: JSON.stringify({
        subject: { aws: 'arn:aws:iam::111111111111:role/ci-deployer' },
        accountId: '222222222222',
        roleArn: stack().roles.readonly,
        maxDurationSeconds: 900,
      }),
    });
    expect(created.status).toBe(201);
  });

  it('takes the caller from the IAM authorizer context and vends for its role', async () => {
    const result = await vend(
      iamAuthorizedEvent({
        method: 'POST',
        path: '/v1/credentials',
        userArn: CALLER,
        body: JSON.stringify({ entitlement: id }),
      }),
      lambdaContext('credvend-vend'),
    );
    expect(result.statusCode).toBe(200);
    const body = credentialsResponseWire.parse(JSON.parse(result.body));
    // The session name build-1234 was the caller's own choice: the role names it.
    expect(body.sessionName).toBe('ci-deployer');
    expect(body.assumedRoleArn).toContain('222222222222:assumed-role/credvend-readonly/ci-deployer');
  });

  it('ignores a forged identity header when there is no authorizer context', async () => {
    const result = await vend(
      httpApiEvent({
        method: 'GET',
        path: '/v1/entitlements/mine',
        headers: { 'x-amzn-iam-user-arn': CALLER, 'x-caller-arn': CALLER, 'x-forwarded-user': CALLER },
      }),
      lambdaContext('credvend-vend'),
    );
    expect(result.statusCode).toBe(401);
    expect(result.headers?.['content-type']).toBe('application/problem+json');
  });

  it('serves OIDC callers through the same handler and reports the API Gateway request id', async () => {
    const event = httpApiEvent({
      method: 'GET',
      path: '/v1/entitlements/mine',
      headers: { authorization: `Bearer ${await devToken('alice@example.com')}` },
    });
    const result = await vend(event, lambdaContext('credvend-vend'));
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['x-request-id']).toBe(event.requestContext.requestId);
  });

  it('answers audit queries only for auditors through the audit handler', async () => {
    const audit = await loadHandler('audit');
    const denied = await audit(
      iamAuthorizedEvent({ method: 'GET', path: '/v1/audit/events', userArn: CALLER }),
      lambdaContext('credvend-audit'),
    );
    expect(denied.statusCode).toBe(403);
    // The unfiltered listing walks the outcome shards one page at a time, and a shard may be
    // empty: follow the cursor until a page holds records.
    const auditor = await devToken('auditor@example.com');
    let events: unknown[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 20 && events.length === 0; page++) {
      const allowed = await audit(
        httpApiEvent({
          method: 'GET',
          path: '/v1/audit/events',
          query: `limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          headers: { authorization: `Bearer ${auditor}` },
        }),
        lambdaContext('credvend-audit'),
      );
      expect(allowed.statusCode).toBe(200);
      const body = auditPageWire.parse(JSON.parse(allowed.body));
      events = body.events;
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    expect(events.length).toBeGreaterThan(0);
  });
});
