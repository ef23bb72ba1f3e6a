import { randomBytes, randomUUID } from 'node:crypto';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { beforeAll, describe, expect, it } from 'vitest';
import { oidcSubject } from '../../src/domain/subjects/subjects.js';
import { seedEntitlements } from '../../src/local/demo-entitlements.js';
import { ROTATED_VENDING_USER } from '../../src/local/seed-aws.js';
import { credentialsResponseWire } from '../../src/wire/credentials.js';
import { entitlementPutResultWire } from '../../src/wire/entitlements.js';
import { problemWire } from '../../src/wire/problem.js';
import { readWire } from '../fixtures/read-wire.js';
import {
  adminApp,
  auditOfRequest,
  auditRecord,
  devToken,
  dynamodb,
  oidcPrincipal,
  stack,
} from './support.js';
import {
  createOtherSecret,
  createVendingUser,
  currentKey,
  rotate,
  rotationHandlerFor,
  userKeyIds,
  type VendingUserFixture,
  vendContainer,
} from './vending-user.js';

const TWELVE_HOURS = 43_200;

type App = ReturnType<typeof vendContainer>;

async function issue(app: App, token: string, entitlement: string, durationSeconds = 900): Promise<Response> {
  return app.request('/v1/credentials', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ entitlement, durationSeconds, reason: 'vending user test' }),
  });
}

describe('vending identity: an IAM user whose rotated key lives in Secrets Manager', () => {
  let fixture: VendingUserFixture;
  let token: string;
  const sub = `long-sessions-${randomBytes(3).toString('hex')}@example.com`;
  const entitlement = `deploy-12h-${sub}`;

  beforeAll(async () => {
    fixture = await createVendingUser(ROTATED_VENDING_USER);
    // The stack's first rotation, as CloudFormation starts it when it creates the schedule.
    await rotate(fixture);
    token = await devToken(sub);
    await seedEntitlements(dynamodb(), stack().credvendEnv.CREDVEND_ENTITLEMENTS_TABLE ?? '', [
      {
        id: entitlement,
        subject: oidcSubject(stack().issuer, sub),
        accountId: stack().targetAccountId,
        roleArn: stack().roles.rotated,
        maxDurationSeconds: TWELVE_HOURS,
        managedPolicyArns: [],
        tags: {},
        claimTags: {},
        transitiveTagKeys: [],
        externalId: stack().externalId,
        reasonRequired: true,
        effect: 'allow',
        version: 1,
      },
    ]);
  });

  it('the rotation function refuses an event that is not a step of its own secret, and changes nothing', async () => {
    const before = await userKeyIds(fixture);
    const handler = rotationHandlerFor(fixture);
    await expect(handler({ Step: 'createSecret', SecretId: fixture.secretArn })).rejects.toThrow(
      'not a Secrets Manager rotation event',
    );
    await expect(
      handler({ Step: 'deleteEverything', SecretId: fixture.secretArn, ClientRequestToken: randomUUID() }),
    ).rejects.toThrow('not a Secrets Manager rotation event');
    const other = await createOtherSecret();
    // Under the template's rotation role, IAM refuses even to describe another secret (as on
    // AWS), before the function's own check that it rotates its secret only.
    await expect(
      handler({ Step: 'createSecret', SecretId: other, ClientRequestToken: randomUUID() }),
    ).rejects.toThrow(/not authorized to perform: secretsmanager:DescribeSecret|rotates .* only/);
    expect(await userKeyIds(fixture)).toEqual(before);
  });

  it('the first rotation gives the user exactly one key, the one the secret holds, which signs as the user', async () => {
    const key = await currentKey(fixture);
    expect(await userKeyIds(fixture)).toEqual([key.accessKeyId]);
    const sts = new STSClient({ region: 'us-east-1', endpoint: stack().stsEndpoint, credentials: key });
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe(`arn:aws:iam::111111111111:user/${fixture.userName}`);
  });

  it('issues a 12 h session, signed by the user (the function identity itself may not call AssumeRole)', async () => {
    const response = await issue(vendContainer(fixture, 300), token, entitlement, TWELVE_HOURS);
    expect(response.status).toBe(200);
    const body = await readWire(response, credentialsResponseWire);
    expect(body.durationSeconds).toBe(TWELVE_HOURS);
    const lasts = new Date(body.credentials.expiration).getTime() - Date.now();
    expect(lasts).toBeGreaterThan((TWELVE_HOURS - 60) * 1000);
  });

  it('a rotation retires the key two generations old and keeps the previous one valid', async () => {
    const first = await currentKey(fixture);
    await rotate(fixture);
    const second = await currentKey(fixture);
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    expect(await userKeyIds(fixture)).toEqual([first.accessKeyId, second.accessKeyId].sort());
    await rotate(fixture);
    const third = await currentKey(fixture);
    expect(await userKeyIds(fixture)).toEqual([second.accessKeyId, third.accessKeyId].sort());
  });

  it('logs the key ids a rotation creates and retires, never a secret key', async () => {
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (chunk: string | Uint8Array) => lines.push(String(chunk)) > 0;
    const before = await currentKey(fixture);
    try {
      await rotate(fixture, { logLevel: 'debug' });
    } finally {
      process.stdout.write = write;
    }
    const after = await currentKey(fixture);
    const log = lines.join('');
    expect(log).toContain(`"accessKeyId":"${after.accessKeyId}"`);
    expect(log).toContain('vending key retired');
    for (const secret of [before.secretAccessKey, after.secretAccessKey]) expect(log).not.toContain(secret);
    expect(log).not.toMatch(/SecretAccessKey/i);
  });

  it('a rotation step repeated by Secrets Manager does nothing twice', async () => {
    const previous = await currentKey(fixture);
    await rotate(fixture, { invocationsPerStep: 3 });
    const current = await currentKey(fixture);
    // One new key, not three; the one it replaced kept, as after a single rotation.
    expect(current.accessKeyId).not.toBe(previous.accessKeyId);
    expect(await userKeyIds(fixture)).toEqual([previous.accessKeyId, current.accessKeyId].sort());
  });

  it('loses no issuance to two rotations during a run, and audits every one', async () => {
    // Two containers read the key now: one re-reads every 10 s, the other holds it an hour,
    // so after the second rotation deletes that key it must notice IAM's refusal and re-read.
    const containers = [vendContainer(fixture, 10), vendContainer(fixture, 3600)];
    const held = await currentKey(fixture);
    for (const app of containers) expect((await issue(app, token, entitlement)).status).toBe(200);

    let rotating = true;
    const rotations = (async () => {
      await rotate(fixture);
      await rotate(fixture);
      rotating = false;
    })();
    const responses: Response[] = [];
    const worker = async (app: App) => {
      // Until both rotations are done, then a few more with whatever key the container holds.
      for (let after = 0; after < 4; after += rotating ? 0 : 1) {
        responses.push(await issue(app, token, entitlement));
      }
    };
    await Promise.all([...containers.flatMap((app) => [worker(app), worker(app)]), rotations]);

    expect(await userKeyIds(fixture)).not.toContain(held.accessKeyId);
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(responses.length).toBeGreaterThanOrEqual(16);
    const issued = await Promise.all(responses.map((r) => readWire(r, credentialsResponseWire)));
    for (const body of issued) {
      expect(await auditRecord(body.eventId)).toMatchObject({
        outcome: 'issued',
        accessKeyId: body.credentials.accessKeyId,
      });
    }
  });

  it('refuses with 502, audited, when the secret holds no key (a new stack before its first rotation)', async () => {
    const empty = await createVendingUser(`credvend-vending-${randomBytes(3).toString('hex')}`);
    const response = await issue(vendContainer(empty, 300), token, entitlement);
    expect(response.status).toBe(502);
    const problem = await readWire(response, problemWire);
    expect(problem.type).toBe('urn:credvend:problem:sts-unavailable');
    expect(JSON.stringify(problem)).not.toMatch(/secret/i);
    const [record] = await auditOfRequest(oidcPrincipal(sub), problem.requestId);
    expect(record).toMatchObject({ outcome: 'error', problemCode: 'sts-unavailable' });
  });
});

describe('the admin API tells an admin what the vending identity can issue', () => {
  // As deployed: `auto` (the local stack says false) decides by runtime and vending identity.
  const IN_LAMBDA = { AWS_LAMBDA_FUNCTION_NAME: 'credvend-test-admin', CREDVEND_ROLE_CHAINING: 'auto' };
  const id = `twelve-hours-${randomBytes(3).toString('hex')}`;

  /** A new entitlement each time (a second PUT of one id needs If-Match). */
  async function put(overrides: Record<string, string>, suffix: string): Promise<string[]> {
    const response = await adminApp(overrides).request(`/v1/entitlements/${id}-${suffix}`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${await devToken('admin@example.com')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        subject: { oidc: { issuer: stack().issuer, sub: `${id}@example.com` } },
        accountId: stack().targetAccountId,
        roleArn: stack().roles.deploy,
        maxDurationSeconds: TWELVE_HOURS,
      }),
    });
    expect(response.status).toBeLessThan(300);
    return (await readWire(response, entitlementPutResultWire)).warnings ?? [];
  }

  it('warns that a 12 h entitlement ends after 1 h under the role, and not under the user', async () => {
    // The local stack runs vendingIdentity=user, as its template is packaged.
    const asRole = { ...IN_LAMBDA, CREDVEND_VENDING_IDENTITY: 'role' };
    expect(await put(asRole, 'role')).toEqual([expect.stringContaining('sessions end after 3600 s')]);
    const asUser = {
      ...IN_LAMBDA,
      CREDVEND_VENDING_IDENTITY: 'user',
      CREDVEND_VENDING_KEY_SECRET: 'credvend-test-vending-key',
    };
    expect(await put(asUser, 'user')).toEqual([]);
  });
});
