import { ListBucketsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CredentialsResponseWire } from '../../src/wire/credentials.js';
import { credentialsResponseWire } from '../../src/wire/credentials.js';
import { myEntitlementsWire } from '../../src/wire/entitlements.js';
import { planResponseWire } from '../../src/wire/plan.js';
import { problemWire } from '../../src/wire/problem.js';
import { readWire } from '../fixtures/read-wire.js';
import {
  auditItemsText,
  auditOfPrincipal,
  auditOfRequest,
  auditRecord,
  devToken,
  dynamodb,
  oidcPrincipal,
  stack,
  standingIds,
  vendApp,
} from './support.js';

type JsonCredentials = CredentialsResponseWire;

/** alice's sub, readable, then 128 bits of the digest of issuer + sub. */
const ALICE_SOURCE_IDENTITY = /^alice@example\.com\.[0-9a-f]{32}$/;
const app = () => vendApp();

async function post(body: unknown, token: string | undefined, rawBody?: string): Promise<Response> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'vend-test/1.0',
  };
  if (token) headers.authorization = `Bearer ${token}`;
  return app().request('/v1/credentials', { method: 'POST', headers, body: rawBody ?? JSON.stringify(body) });
}

function clientsFor(credentials: JsonCredentials['credentials']) {
  const config = {
    region: 'us-east-1',
    endpoint: stack().stsEndpoint,
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
    },
  };
  return { sts: new STSClient(config), s3: new S3Client({ ...config, forcePathStyle: true }) };
}

describe('POST /v1/credentials with an OIDC caller', () => {
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    alice = await devToken('alice@example.com');
    bob = await devToken('bob@example.com');
  });

  it('issues credentials that work for what the role allows and fail for what it does not', async () => {
    // Act
    const response = await post({ entitlement: 'demo-readonly', reason: 'integration test' }, alice);

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = await readWire(response, credentialsResponseWire);
    expect(body.assumedRoleArn).toMatch(
      /^arn:aws:sts::222222222222:assumed-role\/credvend-readonly\/alice@example.com$/,
    );
    expect(body.sourceIdentity).toMatch(ALICE_SOURCE_IDENTITY);
    expect(body.durationSeconds).toBe(900);
    const { sts, s3 } = clientsFor(body.credentials);
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toBe('222222222222');
    expect(identity.Arn).toBe(body.assumedRoleArn);
    const buckets = await s3.send(new ListBucketsCommand({}));
    expect(buckets.Buckets?.map((b) => b.Name)).toContain(stack().bucket);
    await expect(
      s3.send(new PutObjectCommand({ Bucket: stack().bucket, Key: 'nope.txt', Body: 'x' })),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('audits the issuance with the key id, never the secret or the session token', async () => {
    const response = await post({ entitlement: 'demo-readonly', reason: 'find my record' }, alice);
    const body = await readWire(response, credentialsResponseWire);

    const client = dynamodb();
    const record = await auditRecord(body.eventId);
    expect(record).toMatchObject({
      outcome: 'issued',
      principal: `${stack().issuer}#alice@example.com`,
      authMethod: 'oidc',
      entitlementId: 'demo-readonly',
      accountId: '222222222222',
      roleArn: stack().roles.readonly,
      accessKeyId: body.credentials.accessKeyId,
      expiration: body.expiration,
      sessionName: 'alice@example.com',
      sourceIdentity: expect.stringMatching(ALICE_SOURCE_IDENTITY),
      callerName: 'alice@example.com',
      reason: 'find my record',
      sourceIp: '198.51.100.7',
      userAgent: 'vend-test/1.0',
      sessionTags: {
        team: 'platform',
        'caller-email': 'alice@example.com',
        'credvend-caller': 'alice@example.com',
      },
    });
    const everything = await auditItemsText(client);
    expect(everything).not.toContain(body.credentials.secretAccessKey);
    expect(everything).not.toContain(body.credentials.sessionToken);
    expect(everything).not.toContain(alice);
  });

  it('denies a caller with no entitlement (403 problem+json) and audits the denial', async () => {
    const response = await post({ entitlement: 'demo-readonly' }, bob);

    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const problem = await readWire(response, problemWire);
    expect(problem.type).toBe('urn:credvend:problem:not-entitled');
    const [event] = await auditOfRequest(oidcPrincipal('bob@example.com'), problem.requestId);
    expect(event).toMatchObject({
      outcome: 'denied',
      principal: `${stack().issuer}#bob@example.com`,
      problemCode: 'not-entitled',
    });
  });

  it('requires a reason for demo-deploy, then issues it', async () => {
    const withoutReason = await post({ entitlement: 'demo-deploy' }, alice);
    expect(withoutReason.status).toBe(400);
    expect((await readWire(withoutReason, problemWire)).type).toBe('urn:credvend:problem:reason-required');

    const withReason = await post(
      { accountId: '222222222222', roleName: 'credvend-deploy', reason: 'CHG-42' },
      alice,
    );
    expect(withReason.status).toBe(200);
    const body = await readWire(withReason, credentialsResponseWire);
    expect(body.assumedRoleArn).toContain(':assumed-role/credvend-deploy/');
  });

  it('clamps the duration to the entitlement maximum', async () => {
    const response = await post({ entitlement: 'demo-readonly', durationSeconds: 7200 }, alice);
    const body = await readWire(response, credentialsResponseWire);
    expect(body.durationSeconds).toBe(3600);
    const lifetime = (Date.parse(body.expiration) - Date.now()) / 1000;
    expect(lifetime).toBeGreaterThan(3500);
    expect(lifetime).toBeLessThanOrEqual(3600);
  });

  it('rejects a session policy wider than the entitlement ceiling', async () => {
    const response = await post(
      {
        entitlement: 'demo-readonly',
        sessionPolicy: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
        },
      },
      alice,
    );
    expect(response.status).toBe(400);
    expect((await readWire(response, problemWire)).type).toBe('urn:credvend:problem:policy-not-narrowing');
  });

  it('returns credential_process, container and env formats', async () => {
    const processShape = await (
      await post({ entitlement: 'demo-readonly', format: 'credential_process' }, alice)
    ).json();
    expect(processShape).toEqual({
      Version: 1,
      AccessKeyId: expect.any(String),
      SecretAccessKey: expect.any(String),
      SessionToken: expect.any(String),
      Expiration: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    const container = await (await post({ entitlement: 'demo-readonly', format: 'container' }, alice)).json();
    expect(Object.keys(container as object).sort()).toEqual([
      'AccessKeyId',
      'Expiration',
      'RoleArn',
      'SecretAccessKey',
      'Token',
    ]);
    const env = await post({ entitlement: 'demo-readonly', format: 'env' }, alice);
    expect(env.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await env.text()).toMatch(
      /^export AWS_ACCESS_KEY_ID='[A-Z0-9]+'\nexport AWS_SECRET_ACCESS_KEY='.+'\nexport AWS_SESSION_TOKEN='.+'\nexport AWS_CREDENTIAL_EXPIRATION='.+'\n$/,
    );
  });
});

describe('GET /v1/entitlements/mine', () => {
  it("lists the caller's own entitlements without the ExternalId", async () => {
    const response = await app().request('/v1/entitlements/mine', {
      headers: { authorization: `Bearer ${await devToken('alice@example.com')}` },
    });
    expect(response.status).toBe(200);
    const body = await readWire(response, myEntitlementsWire);
    expect(standingIds(body.entitlements.map((e) => e.id))).toEqual(['demo-deploy', 'demo-readonly']);
    expect(body.entitlements.find((e) => e.id === 'demo-deploy')?.externalIdRequired).toBe(true);
    expect(JSON.stringify(body)).not.toContain(stack().externalId);
  });

  it('shows another caller nothing of alice', async () => {
    const response = await app().request('/v1/entitlements/mine', {
      headers: { authorization: `Bearer ${await devToken('bob@example.com')}` },
    });
    expect(await response.json()).toEqual({ entitlements: [] });
  });
});

describe('GET /healthz', () => {
  it('answers without authentication', async () => {
    const response = await app().request('/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });
});

describe('POST /v1/credentials/plan', () => {
  it('shows what would be issued and assumes nothing', async () => {
    const token = await devToken('alice@example.com');
    const before = (await auditOfPrincipal(oidcPrincipal('alice@example.com'))).length;
    const response = await app().request('/v1/credentials/plan', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify({
        entitlement: 'demo-deploy',
        reason: 'planning',
        durationSeconds: 86_400 - 43_200,
      }),
    });
    expect(response.status).toBe(200);
    const plan = await readWire(response, planResponseWire);
    expect(plan).toMatchObject({
      roleArn: stack().roles.deploy,
      durationSeconds: 7200,
      durationBoundBy: 'entitlement-max',
      sessionName: 'alice@example.com',
      sourceIdentity: expect.stringMatching(ALICE_SOURCE_IDENTITY),
      externalIdSent: true,
      tags: [
        { key: 'team', value: 'platform' },
        { key: 'credvend-caller', value: 'alice@example.com' },
      ],
      sessionPolicyBudget: { used: 0, max: 2048 },
    });
    expect(JSON.stringify(plan)).not.toContain(stack().externalId);
    expect((await auditOfPrincipal(oidcPrincipal('alice@example.com'))).length).toBe(before);
  });

  it('explains a denial of the caller’s own request', async () => {
    const response = await app().request('/v1/credentials/plan', {
      method: 'POST',
      headers: { authorization: `Bearer ${await devToken('alice@example.com')}` },
      body: JSON.stringify({ entitlement: 'demo-deploy' }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ type: 'urn:credvend:problem:reason-required' });
  });
});
