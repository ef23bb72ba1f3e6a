import { createHmac, randomBytes } from 'node:crypto';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { beforeAll, describe, expect, it } from 'vitest';
import { SecretsManagerSecret } from '../../src/aws/secrets-manager-secret.js';
import { compose } from '../../src/compose/composition.js';
import { secretValueOf } from '../../src/compose/secrets.js';
import { loadConfig } from '../../src/config.js';
import { SecretUnavailableError } from '../../src/domain/shared/errors.js';
import type { LocalFunction } from '../../src/local/function-identities.js';
import { problemWire } from '../../src/wire/problem.js';
import { readWire } from '../fixtures/read-wire.js';
import { requestsApp } from './access-request-support.js';
import {
  auditApp,
  auditOfPrincipal,
  devToken,
  functionCredentials,
  oidcPrincipal,
  putSecret,
  stack,
  vendApp,
} from './support.js';

/**
 * Configured secrets are read from moto's Secrets Manager through the IAM gate with each
 * function's role (which may read only the secrets the local template names for it), as each function reads them in
 * AWS with its role: cached for a bounded time, and a secret that cannot be read or holds an
 * unusable value makes the feature refuse, never fall back.
 */
describe('secrets read from Secrets Manager at run time', () => {
  const operator = () =>
    new SecretsManagerClient({
      region: 'us-east-1',
      endpoint: stack().stsEndpoint,
      credentials: stack().operator,
    });
  const apiClient = (fn: LocalFunction) =>
    new SecretsManagerClient({
      region: 'us-east-1',
      endpoint: stack().stsEndpoint,
      credentials: functionCredentials(fn),
    });
  let unreadable: string;
  let tooShort: string;
  let alice: string;

  beforeAll(async () => {
    unreadable = await putSecret('idempotency', randomBytes(32).toString('hex'), { readable: false });
    // A weak value where a 32-character one is required, in the local webhook secret (the stack's
    // own idempotency secret stays as the shared API uses it): read by the requests function.
    tooShort = await putSecret('webhook', 'short-and-weak');
    alice = await devToken('alice@example.com');
  });

  it('uses a read value for its lifetime only: a rotated value is in use once the lifetime has passed', async () => {
    // Any secret a function may read will do: the local Teams URL secret, read by requests.
    const id = await putSecret('teams-url', 'first-value');
    let now = 1_000_000;
    const client = apiClient('requests');
    const secret = new SecretsManagerSecret(
      client,
      id,
      300,
      (text) => text ?? '',
      () => now,
    );
    const admin = operator();
    try {
      expect(await secret.current()).toBe('first-value');
      await admin.send(new PutSecretValueCommand({ SecretId: id, SecretString: 'second-value' }));
      now += 299_000;
      expect(await secret.current(), 'inside the lifetime').toBe('first-value');
      now += 1_000;
      expect(await secret.current(), 'at the end of the lifetime').toBe('second-value');
    } finally {
      client.destroy();
      admin.destroy();
    }
  });

  it('refuses a secret the identity may not read, and one whose value is too weak, naming neither value', async () => {
    const config = loadConfig({ ...stack().credvendEnv });
    const root = compose(config, {
      kind: 'node',
      sourceIp: () => undefined,
      credentials: functionCredentials('vend'),
    });
    const denied = secretValueOf(root, 'idempotency', unreadable);
    await expect(denied()).rejects.toBeInstanceOf(SecretUnavailableError);
    await expect(denied()).rejects.toThrow(
      /idempotency secret \(CREDVEND_IDEMPOTENCY_SECRET_ID\) could not be read/,
    );
    const requests = compose(config, {
      kind: 'node',
      sourceIp: () => undefined,
      credentials: functionCredentials('requests'),
    });
    const weak = secretValueOf(requests, 'webhook', tooShort);
    const refusal = await weak().catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(SecretUnavailableError);
    expect(String(refusal)).toMatch(/fewer than 32 characters/);
    expect(String(refusal)).not.toContain('short-and-weak');
  });

  it('answers 503 secret-unavailable to an Idempotency-Key when the secret is unreadable, and issues nothing', async () => {
    const app = vendApp({ CREDVEND_IDEMPOTENCY_SECRET_ID: unreadable });
    const key = `unreadable-${Date.now()}`;
    const response = await app.request('/v1/credentials', {
      method: 'POST',
      headers: { authorization: `Bearer ${alice}`, 'idempotency-key': key },
      body: JSON.stringify({ entitlement: 'demo-readonly', reason: 'secret unreadable' }),
    });
    expect(response.status).toBe(503);
    const problem = await readWire(response, problemWire);
    expect(problem.type).toBe('urn:credvend:problem:secret-unavailable');
    expect(JSON.stringify(problem)).not.toMatch(/accessKeyId|secretAccessKey/i);
    const records = await auditOfPrincipal(oidcPrincipal('alice@example.com'));
    expect(records.filter((r) => r.reason === 'secret unreadable' && r.outcome === 'issued')).toEqual([]);
    // Without an Idempotency-Key the same app issues: only the feature needing the secret refuses.
    const plain = await app.request('/v1/credentials', {
      method: 'POST',
      headers: { authorization: `Bearer ${alice}` },
      body: JSON.stringify({ entitlement: 'demo-readonly', reason: 'no key' }),
    });
    expect(plain.status).toBe(200);
  });

  it('refuses audit pages with 503 when the cursor secret is unreadable, rather than keying cursors per process', async () => {
    const audit = auditApp({ CREDVEND_CURSOR_SECRET_ID: unreadable });
    const response = await audit.request('/v1/audit/events?limit=1', {
      headers: { authorization: `Bearer ${await devToken('auditor@example.com')}` },
    });
    expect(response.status).toBe(503);
    expect((await readWire(response, problemWire)).type).toBe('urn:credvend:problem:secret-unavailable');
  });

  describe('Slack interactions', () => {
    const SLACK_BINDING = { CREDVEND_SLACK_TEAM_ID: 'T0WORKSPACE', CREDVEND_SLACK_APP_ID: 'A0CREDVEND' };
    const body = new URLSearchParams({ payload: JSON.stringify({ type: 'block_actions' }) }).toString();
    const signed = (secret: string) => {
      const timestamp = Math.floor(Date.now() / 1000);
      return {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`,
      };
    };
    it('answers 503, not a verdict, while the signing secret is unreadable', async () => {
      const app = requestsApp({ env: { CREDVEND_SLACK_SIGNING_SECRET_ID: unreadable, ...SLACK_BINDING } });
      const response = await app.request('/v1/slack/interactions', {
        method: 'POST',
        headers: signed('s'.repeat(32)),
        body,
      });
      expect(response.status).toBe(503);
      expect((await readWire(response, problemWire)).type).toBe('urn:credvend:problem:secret-unavailable');
    });

    it('verifies with the value in Secrets Manager: another key is refused as unauthenticated', async () => {
      const value = randomBytes(24).toString('hex');
      const app = requestsApp({
        env: { CREDVEND_SLACK_SIGNING_SECRET_ID: await putSecret('slack-signing', value), ...SLACK_BINDING },
      });
      const forged = await app.request('/v1/slack/interactions', {
        method: 'POST',
        headers: signed('s'.repeat(48)),
        body,
      });
      expect(forged.status).toBe(401);
      const genuine = await app.request('/v1/slack/interactions', {
        method: 'POST',
        headers: signed(value),
        body,
      });
      // Signed with the stored value, the payload is read (and refused for what it says, not who sent it).
      expect(genuine.status).not.toBe(401);
      expect(genuine.status).not.toBe(503);
    });
  });
});
