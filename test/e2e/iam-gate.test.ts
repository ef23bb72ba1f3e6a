import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsResponseWire } from '../../src/wire/credentials.js';
import { readWire } from '../fixtures/read-wire.js';
import {
  adminApp,
  clearRevocations,
  devToken,
  stack,
  vendApp,
  vendingCredentials,
} from '../integration/support.js';

const run = promisify(execFile);

/**
 * What the local IAM gate makes the local stack refuse, seen with the real AWS CLI as a
 * user would see it on AWS: a session policy (the entitlement's ceiling), a revocation of
 * one issuance, and a trust policy's required SourceIdentity and session tag.
 */

interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'credvend-gate-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The AWS CLI with `keys` and nothing else from the environment, against the local endpoint. */
async function aws(keys: Keys, ...args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const { AWS_PROFILE: _p, AWS_SESSION_TOKEN: _t, ...env } = process.env;
  try {
    const { stdout, stderr } = await run(
      'aws',
      [...args, '--endpoint-url', stack().stsEndpoint, '--output', 'json'],
      {
        env: {
          ...env,
          AWS_ACCESS_KEY_ID: keys.accessKeyId,
          AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
          ...(keys.sessionToken ? { AWS_SESSION_TOKEN: keys.sessionToken } : {}),
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_CONFIG_FILE: join(dir, 'no-config'),
          AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
          AWS_MAX_ATTEMPTS: '1',
        },
        timeout: 60_000,
      },
    );
    return { ok: true, stdout, stderr };
  } catch (error) {
    const output = (name: 'stdout' | 'stderr') =>
      error && typeof error === 'object' && name in error ? String(Reflect.get(error, name)) : '';
    return { ok: false, stdout: output('stdout'), stderr: output('stderr') };
  }
}

const admin = async () => ({ authorization: `Bearer ${await devToken('admin@example.com')}` });

async function entitle(sub: string, extra: Record<string, unknown> = {}): Promise<string> {
  const id = `gate-${randomUUID().slice(0, 8)}`;
  const response = await adminApp().request(`/v1/entitlements/${id}`, {
    method: 'PUT',
    headers: await admin(),
    body: JSON.stringify({
      subject: { oidc: { issuer: stack().issuer, sub } },
      accountId: stack().targetAccountId,
      roleArn: stack().roles.readonly,
      maxDurationSeconds: 900,
      ...extra,
    }),
  });
  expect(response.status).toBe(201);
  return id;
}

async function vend(sub: string, entitlement: string) {
  const response = await vendApp().request('/v1/credentials', {
    method: 'POST',
    headers: { authorization: `Bearer ${await devToken(sub)}` },
    body: JSON.stringify({ entitlement }),
  });
  expect(response.status).toBe(200);
  return readWire(response, credentialsResponseWire);
}

describe('the local stack refuses what AWS would refuse (real AWS CLI)', () => {
  it('refuses s3:ListAllMyBuckets to a session whose ceiling allows only s3:GetObject, though its role allows it', async () => {
    const sub = `ceiling-${randomUUID().slice(0, 8)}@example.com`;
    const ceiling = await entitle(sub, {
      sessionPolicy: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${stack().bucket}/*` },
        ],
      },
    });
    const plain = await entitle(sub);
    const bounded = (await vend(sub, ceiling)).credentials;
    const withoutCeiling = (await vend(sub, plain)).credentials;

    // Independent AWS CLI runs (a Python start each) at once.
    const [get, list, unbounded] = await Promise.all([
      aws(
        bounded,
        's3api',
        'get-object',
        '--bucket',
        stack().bucket,
        '--key',
        'hello.txt',
        join(dir, 'hello.txt'),
      ),
      aws(bounded, 's3api', 'list-buckets'),
      // The role itself allows it: the same caller without the ceiling lists the buckets.
      aws(withoutCeiling, 's3api', 'list-buckets'),
    ]);
    expect(get.stderr).toBe('');
    expect(get.ok).toBe(true);
    expect(list.ok).toBe(false);
    expect(list.stderr).toMatch(
      /\(AccessDenied\) when calling the ListBuckets operation: .*s3:ListAllMyBuckets because no session policy allows/,
    );
    expect(unbounded.stdout).toContain(stack().bucket);
  });

  it("after an admin revokes one caller's issuance, that caller is refused and another caller on the same role is not", async () => {
    const carol = `carol-${randomUUID().slice(0, 8)}@example.com`;
    const dave = `dave-${randomUUID().slice(0, 8)}@example.com`;
    const carolIssued = await vend(carol, await entitle(carol));
    const daveIssued = await vend(dave, await entitle(dave));
    try {
      expect((await aws(carolIssued.credentials, 's3api', 'list-buckets')).ok).toBe(true);
      const revoked = await adminApp().request(
        `/v1/audit/events/${carolIssued.credentials.accessKeyId}/revoke`,
        {
          method: 'POST',
          headers: await admin(),
        },
      );
      expect(revoked.status).toBe(200);

      const [refused, other] = await Promise.all([
        aws(carolIssued.credentials, 's3api', 'list-buckets'),
        aws(daveIssued.credentials, 's3api', 'list-buckets'),
      ]);
      expect(refused.ok).toBe(false);
      expect(refused.stderr).toMatch(
        /\(AccessDenied\) when calling the ListBuckets operation: .*explicit deny/,
      );
      expect(other.stderr).toBe('');
      expect(other.stdout).toContain(stack().bucket);
    } finally {
      await clearRevocations(stack().roles.readonly);
    }
  });

  it('refuses an AssumeRole without the SourceIdentity and credvend-caller tag the trust policy requires', async () => {
    const role = [
      'sts',
      'assume-role',
      '--role-arn',
      stack().roles.readonly,
      '--role-session-name',
      'gate-test',
    ];
    const tag = ['--tags', 'Key=credvend-caller,Value=gate-test'];
    const sourceIdentity = ['--source-identity', 'gate-test'];
    // Four independent AWS CLI runs (a Python start each) at once.
    const [bare, noTag, noSourceIdentity, both] = await Promise.all([
      aws(vendingCredentials(), ...role),
      aws(vendingCredentials(), ...role, ...sourceIdentity),
      aws(vendingCredentials(), ...role, ...tag),
      aws(vendingCredentials(), ...role, ...sourceIdentity, ...tag),
    ]);
    expect(bare.ok).toBe(false);
    expect(bare.stderr).toMatch(
      /\(AccessDenied\) when calling the AssumeRole operation: .*sts:AssumeRole on resource/,
    );
    expect(noTag.ok).toBe(false);
    expect(noSourceIdentity.ok).toBe(false);
    expect(both.stderr).toBe('');
    expect(both.stdout).toContain('assumed-role/credvend-readonly/gate-test');
  });
});
