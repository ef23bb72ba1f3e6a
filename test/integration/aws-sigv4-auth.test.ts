import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSignedGetCallerIdentity } from '../../src/auth/signed-identity-request.js';
import { credentialsResponseWire } from '../../src/wire/credentials.js';
import { myEntitlementsWire } from '../../src/wire/entitlements.js';
import { problemWire } from '../../src/wire/problem.js';
import { readWire } from '../fixtures/read-wire.js';
import {
  adminApp,
  auditOfPrincipal,
  auditOfRequest,
  auditRecord,
  devToken,
  stack,
  vendApp,
  vendingCredentials,
} from './support.js';

const USER_ARN = 'arn:aws:iam::111111111111:user/credvend';

const signed = (credentials: AwsCredentialIdentity = vendingCredentials()) =>
  buildSignedGetCallerIdentity({
    stsEndpoint: stack().stsEndpoint,
    serverId: stack().credvendEnv.CREDVEND_SERVER_ID ?? '',
    region: 'us-east-1',
    credentials,
  });

describe('AWS IAM callers through moto', () => {
  const vend = vendApp();
  const id = `automation-${Date.now()}`;

  beforeAll(async () => {
    // An entitlement for the moto IAM user, granted through the admin API.
    const response = await adminApp().request(`/v1/entitlements/${id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${await devToken('admin@example.com')}` },
      body: JSON.stringify({
        subject: { aws: USER_ARN },
        accountId: '222222222222',
        roleArn: stack().roles.readonly,
        maxDurationSeconds: 900,
      }),
    });
    expect(response.status).toBe(201);
  });

  it('authenticates a caller whose signature moto verifies, and vends its entitlement', async () => {
    const mine = await vend.request('/v1/entitlements/mine', { headers: { authorization: await signed() } });
    expect(mine.status).toBe(200);
    expect((await readWire(mine, myEntitlementsWire)).entitlements.map((e) => e.id)).toEqual([id]);

    const issued = await vend.request('/v1/credentials', {
      method: 'POST',
      headers: { authorization: await signed() },
      body: JSON.stringify({ entitlement: id, reason: 'nightly job' }),
    });
    expect(issued.status).toBe(200);
    const body = await readWire(issued, credentialsResponseWire);
    expect(body.sourceIdentity).toMatch(/^credvend\.[0-9a-f]{32}$/);
    const event = await auditRecord(body.eventId);
    expect(event).toMatchObject({ principal: USER_ARN, authMethod: 'aws-sigv4', outcome: 'issued' });
  });

  it('lets a deny on the account root win over the allow for the user', async () => {
    const admin = { authorization: `Bearer ${await devToken('admin@example.com')}` };
    const denyId = `${id}-deny`;
    const created = await adminApp().request(`/v1/entitlements/${denyId}`, {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({
        subject: { aws: 'arn:aws:iam::111111111111:root' },
        accountId: '222222222222',
        roleArn: stack().roles.readonly,
        maxDurationSeconds: 900,
        effect: 'deny',
      }),
    });
    expect(created.status).toBe(201);
    try {
      const refused = await vend.request('/v1/credentials', {
        method: 'POST',
        headers: { authorization: await signed() },
        body: JSON.stringify({ entitlement: id }),
      });
      expect(refused.status).toBe(403);
      expect((await readWire(refused, problemWire)).detail).toMatch(/explicit deny/);
    } finally {
      await adminApp().request(`/v1/entitlements/${denyId}`, {
        method: 'DELETE',
        headers: { ...admin, 'if-match': '"v1"' },
      });
    }
  });

  it('maps a role session moto vouches for to its path-less role ARN and keeps the session name', async () => {
    // Session credentials for the target account's readonly role, from moto's own STS.
    const assumed = await new STSClient({
      region: 'us-east-1',
      endpoint: stack().stsEndpoint,
      credentials: vendingCredentials(),
    }).send(
      new AssumeRoleCommand({
        RoleArn: stack().roles.readonly,
        RoleSessionName: 'build-7',
        // The role's trust requires both (deploy/target-account-role.yaml), and the IAM gate checks it.
        SourceIdentity: 'build-7',
        Tags: [{ Key: 'credvend-caller', Value: 'build-7' }],
      }),
    );
    const session = assumed.Credentials;
    if (!session?.AccessKeyId || !session.SecretAccessKey || !session.SessionToken)
      throw new Error('no session');
    const roleArn = `arn:aws:iam::${stack().targetAccountId}:role/credvend-readonly`;
    const roleId = `${id}-role`;
    const admin = { authorization: `Bearer ${await devToken('admin@example.com')}` };
    const created = await adminApp().request(`/v1/entitlements/${roleId}`, {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({
        subject: { aws: roleArn },
        accountId: '222222222222',
        roleArn: stack().roles.readonly,
        maxDurationSeconds: 900,
      }),
    });
    expect(created.status).toBe(201);
    try {
      const authorization = await signed({
        accessKeyId: session.AccessKeyId,
        secretAccessKey: session.SecretAccessKey,
        sessionToken: session.SessionToken,
      });
      const mine = await vend.request('/v1/entitlements/mine', { headers: { authorization } });
      expect(mine.status).toBe(200);
      expect((await readWire(mine, myEntitlementsWire)).entitlements.map((e) => e.id)).toEqual([roleId]);
    } finally {
      await adminApp().request(`/v1/entitlements/${roleId}`, {
        method: 'DELETE',
        headers: { ...admin, 'if-match': '"v1"' },
      });
    }
  });

  it('refuses a request signed with the wrong secret (401) and audits the claimed key', async () => {
    const credentials = { ...vendingCredentials(), secretAccessKey: 'not-the-secret' };
    const response = await vend.request('/v1/credentials', {
      method: 'POST',
      headers: { authorization: await signed(credentials) },
      body: JSON.stringify({ entitlement: id }),
    });
    expect(response.status).toBe(401);
    const problem = await readWire(response, problemWire);
    const [event] = await auditOfRequest(
      `unverified-aws-access-key:${credentials.accessKeyId}`,
      problem.requestId,
    );
    expect(event).toMatchObject({
      principal: `unverified-aws-access-key:${credentials.accessKeyId}`,
      outcome: 'denied',
      problemCode: 'unauthenticated',
    });
  });

  it('counts unverified attempts per claimed key and per source before forwarding: a flood gets 429s, not STS calls or audit records', async () => {
    const forged = (n: number) => ({
      accessKeyId: `AKIAFLOOD${Date.now().toString(36).toUpperCase()}${n}`.slice(0, 20).padEnd(20, 'X'),
      secretAccessKey: 'not-the-secret',
    });
    const attempt = async (app: ReturnType<typeof vendApp>, credentials: AwsCredentialIdentity) =>
      (
        await app.request('/v1/credentials', {
          method: 'POST',
          headers: { authorization: await signed(credentials) },
          body: JSON.stringify({ entitlement: id }),
        })
      ).status;
    const perKey = vendApp({
      CREDVEND_AWS_AUTH_KEY_RATE_LIMIT: '2/3599',
      CREDVEND_AWS_AUTH_SOURCE_RATE_LIMIT: 'off',
    });
    const one = forged(1);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push(await attempt(perKey, one));
    expect(statuses).toEqual([401, 401, 429, 429]);
    const recorded = await auditOfPrincipal(`unverified-aws-access-key:${one.accessKeyId}`);
    expect(recorded).toHaveLength(2);

    const perSource = vendApp({
      CREDVEND_AWS_AUTH_KEY_RATE_LIMIT: 'off',
      CREDVEND_AWS_AUTH_SOURCE_RATE_LIMIT: '3/3598',
    });
    const bySource = [];
    for (let i = 2; i < 7; i++) bySource.push(await attempt(perSource, forged(i)));
    expect(bySource).toEqual([401, 401, 401, 429, 429]);
  });
});
