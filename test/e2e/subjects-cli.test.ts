import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explanationWire, subjectListWire } from '../../src/wire/subjects.js';
import { devToken, stack, userEnvironment } from '../integration/support.js';

const execFileAsync = promisify(execFile);
const BIN = resolve('bin/credvend.js');

/** `credvend subjects create | list | explain` as an admin runs them, against the running stack. */
describe('credvend subjects (admin)', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const run = Date.now();
  const id = `cli-rule-${run}`;
  const domain = `cli-${run}.example.com`;

  const cli = async (args: string[], token?: string) => {
    try {
      const { stdout, stderr } = await execFileAsync(process.execPath, [BIN, ...args], {
        env: { ...env, ...(token ? { CREDVEND_TOKEN: token } : {}) },
        timeout: 60_000,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'credvend-subjects-'));
    env = userEnvironment(dir, await devToken('admin@example.com'));
  });
  afterAll(async () => {
    await cli(['entitlements', 'delete', id, '--if-match', '"v1"']);
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a claim rule, warns about an unverified email, and grants the role to matching tokens only', async () => {
    const created = await cli([
      'subjects',
      'create',
      id,
      '--issuer',
      stack().issuer,
      '--claim',
      `email=*@${domain}`,
      '--account-id',
      stack().targetAccountId,
      '--role-arn',
      stack().roles.readonly,
      '--max-duration',
      '900',
    ]);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({
      id,
      subject: { claims: { issuer: stack().issuer, conditions: { email: `*@${domain}` } } },
    });
    expect(created.stderr).toMatch(/warning: condition on email without email_verified/);

    const erin = await devToken(`erin@${domain}`, { email: `erin@${domain}` });
    const vended = await cli(['creds', id], erin);
    expect(vended.code).toBe(0);
    const outsider = await cli(
      ['creds', id],
      await devToken('mallory@example.org', { email: 'mallory@example.org' }),
    );
    expect(outsider.code).toBe(3);
  });

  it('refuses a rule that matches everything, naming why', async () => {
    const refused = await cli([
      'subjects',
      'create',
      `${id}-wild`,
      '--issuer',
      stack().issuer,
      '--claim',
      'email=*',
      '--account-id',
      stack().targetAccountId,
      '--role-arn',
      stack().roles.readonly,
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/not valid/);
  });

  it('lists the rule among the subjects and explains a claim set against it', async () => {
    const list = await cli(['--json', 'subjects', 'list']);
    const subjects = subjectListWire.shape.subjects.parse(JSON.parse(list.stdout));
    expect(subjects.find((s) => s.entitlements.includes(id))?.kind).toBe('claim-rule');

    const claims = join(dir, 'claims.json');
    await writeFile(claims, JSON.stringify({ sub: `zoe@${domain}`, email: `zoe@${domain}` }));
    const explained = await cli([
      '--json',
      'subjects',
      'explain',
      '--issuer',
      stack().issuer,
      '--claims',
      claims,
    ]);
    expect(explained.code).toBe(0);
    const result = explanationWire.parse(JSON.parse(explained.stdout));
    expect(result.rows.find((r) => r.entitlementId === id)).toMatchObject({
      matched: true,
      conditions: [{ claim: 'email', pattern: `*@${domain}`, actual: `zoe@${domain}` }],
    });
    expect(result.grants).toContainEqual(
      expect.objectContaining({ entitlementId: id, subjectKind: 'claim-rule' }),
    );

    await writeFile(claims, JSON.stringify({ sub: 'zoe', email: 'zoe@elsewhere.example' }));
    const missed = JSON.parse(
      (await cli(['--json', 'subjects', 'explain', '--issuer', stack().issuer, '--claims', claims])).stdout,
    ) as {
      rows: Array<{ entitlementId: string; matched: boolean; conditions: Array<{ failure?: string }> }>;
    };
    expect(missed.rows.find((r) => r.entitlementId === id)).toMatchObject({
      matched: false,
      conditions: [{ failure: 'mismatch' }],
    });
  });

  it('refuses to explain for an issuer this deployment does not accept', async () => {
    const claims = join(dir, 'claims.json');
    await writeFile(claims, JSON.stringify({ sub: 'x' }));
    const refused = await cli([
      'subjects',
      'explain',
      '--issuer',
      'https://unknown.example',
      '--claims',
      claims,
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/not accepted/);
  });
});
