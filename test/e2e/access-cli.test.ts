import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { adminEntitlementWire } from '../../src/wire/entitlements.js';
import { auditOfPrincipal, devToken, oidcPrincipal, stack, userEnvironment } from '../integration/support.js';
import { runCli } from './cli-run.js';

const planJson = z.object({
  changes: z.number(),
  steps: z.array(
    z.object({ kind: z.string(), op: z.string(), id: z.string(), expectedVersion: z.number().optional() }),
  ),
  effects: z.array(
    z.object({
      change: z.string(),
      who: z.string(),
      id: z.string(),
      roleName: z.string(),
      differences: z.array(z.string()),
      callers: z
        .array(z.object({ principal: z.string(), name: z.string().optional(), issuances: z.number() }))
        .optional(),
    }),
  ),
  leftAlone: z.object({ entitlements: z.number(), requestables: z.number() }),
  callersNote: z.string().optional(),
});

/** `credvend access plan | apply` as an admin runs them against the running stack. */
describe('credvend access (access as code)', () => {
  const run = Date.now();
  const prefix = `ac${run}.`;
  const carol = `carol-ac-${run}@example.com`;
  // A member of the directory's group: the local IdP's dev token carries the group asked for.
  const erin = `erin-ac-${run}@example.com`;
  let home: string;
  let repo: string;
  let env: NodeJS.ProcessEnv;
  let adminToken: string;

  const cli = (args: string[], token = adminToken) => runCli(args, { ...env, CREDVEND_TOKEN: token });
  const write = (name: string, text: string) => writeFile(join(repo, name), text);
  const readEntitlement = async (id: string) => {
    const response = await fetch(`${stack().apiUrl}/v1/entitlements/${id}`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    return response.status === 404 ? undefined : adminEntitlementWire.parse(await response.json());
  };
  const adminChanges = async () =>
    (await auditOfPrincipal(oidcPrincipal('admin@example.com'))).filter(
      (e) =>
        e.action === 'entitlement.put' ||
        e.action === 'entitlement.delete' ||
        e.action.startsWith('requestable.'),
    );

  const files = (carolMax = 1800) => ({
    'subjects.yaml': `# who, named once\nsubjects:\n  engineers:\n    group: { issuer: "${stack().issuer}", name: engineers-${run} }\n  carol:\n    oidc: { issuer: "${stack().issuer}", sub: "${carol}" }\n`,
    'team.yaml': [
      `owns: ["${prefix}*"]`,
      'entitlements:',
      `  ${prefix}engineers-read:`,
      '    subject: engineers',
      `    accountId: "${stack().targetAccountId}"`,
      `    roleArn: ${stack().roles.readonly}`,
      '    maxDurationSeconds: 3600',
      `  ${prefix}carol-read:`,
      '    subject: carol',
      `    accountId: "${stack().targetAccountId}"`,
      `    roleArn: ${stack().roles.readonly}`,
      `    maxDurationSeconds: ${carolMax}`,
      '    sessionPolicy:',
      '      Version: "2012-10-17"',
      '      Statement: [{ Effect: Allow, Action: ["s3:GetObject"], Resource: "*" }]',
      'requestables:',
      `  ${prefix}deploy:`,
      `    requesters: { groups: ["${stack().issuer}#engineers-${run}"] }`,
      `    approvers: { groups: ["${stack().issuer}#admins"] }`,
      `    accountId: "${stack().targetAccountId}"`,
      `    roleArn: ${stack().roles.deploy}`,
      '    maxGrantSeconds: 3600',
      '',
    ].join('\n'),
  });
  const writeRepo = async (carolMax?: number) => {
    for (const [name, text] of Object.entries(files(carolMax))) await write(name, text);
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'credvend-access-'));
    repo = join(home, 'access');
    await mkdir(repo);
    adminToken = await devToken('admin@example.com');
    env = userEnvironment(home, adminToken);
  });
  afterAll(async () => {
    // An empty directory that owns the prefix removes what the test made.
    await rm(repo, { recursive: true, force: true });
    await mkdir(repo);
    await write('owner.yaml', `owns: ["${prefix}*"]\n`);
    await cli(['access', 'apply', repo]);
    await rm(home, { recursive: true, force: true });
  });

  it('plans the effect of a new directory (who gains which role, on what terms) and exits 2', async () => {
    await writeRepo();

    const plan = await cli(['access', 'plan', repo]);

    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain(
      `+ group engineers-${run} at ${stack().issuer} gains credvend-readonly in ${stack().targetAccountId} (entitlement ${prefix}engineers-read)`,
    );
    expect(plan.stdout).toContain(`+ principal ${carol} at ${stack().issuer} gains credvend-readonly`);
    expect(plan.stdout).toContain('ceiling: session policy allowing s3:GetObject');
    expect(plan.stdout).toContain('sessions up to 30m');
    expect(plan.stdout).toContain(`+ requesters groups ${stack().issuer}#engineers-${run} may request`);
    expect(await readEntitlement(`${prefix}carol-read`)).toBeUndefined();
  });

  it('applies exactly a saved plan, audited step by step; applying again changes nothing and writes nothing', async () => {
    const saved = join(home, 'plan.json');
    const planned = await cli(['--json', 'access', 'plan', repo, '--out', saved]);
    expect(planned.code).toBe(2);
    const doc = planJson.parse(JSON.parse(planned.stdout));
    expect(doc.steps.map((s) => `${s.op} ${s.kind} ${s.id}`)).toEqual([
      `create entitlement ${prefix}carol-read`,
      `create entitlement ${prefix}engineers-read`,
      `create requestable ${prefix}deploy`,
    ]);
    expect(JSON.parse(await readFile(saved, 'utf8'))).toEqual(JSON.parse(planned.stdout));

    const applied = await cli(['access', 'apply', repo, '--plan', saved]);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain(`applied: create entitlement ${prefix}carol-read (v1)`);
    const changes = (await adminChanges()).filter(
      (e) => e.entitlementId?.startsWith(prefix) || e.detail?.includes(prefix),
    );
    expect(changes.map((e) => `${e.action} ${e.outcome}`).sort()).toEqual([
      'entitlement.put applied',
      'entitlement.put applied',
      'requestable.put applied',
    ]);

    const before = (await adminChanges()).length;
    const again = await cli(['access', 'apply', repo]);
    const replan = await cli(['access', 'plan', repo]);

    expect(again.code).toBe(0);
    expect(replan.code).toBe(0);
    expect(replan.stdout).toMatch(/^No changes\./);
    expect((await adminChanges()).length).toBe(before);
    expect((await readEntitlement(`${prefix}carol-read`))?.version).toBe(1);
  });

  it('refuses a saved plan once the service changed since, applying nothing', async () => {
    await writeRepo(900);
    const saved = join(home, 'stale.json');
    expect((await cli(['access', 'plan', repo, '--out', saved])).code).toBe(2);
    // Another admin edits the row between plan and apply.
    const other = await readEntitlement(`${prefix}carol-read`);
    const edit = await fetch(`${stack().apiUrl}/v1/entitlements/${prefix}carol-read`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminToken}`, 'if-match': '"v1"' },
      body: JSON.stringify({
        subject: other?.subject,
        accountId: other?.accountId,
        roleArn: other?.roleArn,
        maxDurationSeconds: 1200,
      }),
    });
    expect(edit.status).toBe(200);

    const applied = await cli(['access', 'apply', repo, '--plan', saved]);

    expect(applied.code).toBe(1);
    expect(applied.stderr).toContain('changed since');
    expect(await readEntitlement(`${prefix}carol-read`)).toMatchObject({
      version: 2,
      maxDurationSeconds: 1200,
    });
  });

  it('a change names its differences and the callers who used the row; a removal is a loss', async () => {
    const carolToken = await devToken(carol);
    const vend = await fetch(`${stack().apiUrl}/v1/credentials`, {
      method: 'POST',
      headers: { authorization: `Bearer ${carolToken}` },
      body: JSON.stringify({ entitlement: `${prefix}carol-read` }),
    });
    expect(vend.status).toBe(200);
    const erinVend = await fetch(`${stack().apiUrl}/v1/credentials`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await devToken(erin, { groups: [`engineers-${run}`] })}` },
      body: JSON.stringify({ entitlement: `${prefix}engineers-read` }),
    });
    expect(erinVend.status).toBe(200);
    await writeFile(
      join(repo, 'team.yaml'),
      files(900)['team.yaml'].replace(/ {2}ac\d+\.engineers-read:[\s\S]*?(?= {2}ac\d+\.carol-read:)/, ''),
    );

    const plan = await cli(['--json', 'access', 'plan', repo]);
    const doc = planJson.parse(JSON.parse(plan.stdout));
    const text = await cli(['access', 'plan', repo]);

    expect(plan.code).toBe(2);
    expect(doc.effects.map((e) => [e.change, e.id, e.differences])).toEqual([
      [
        'changes',
        `${prefix}carol-read`,
        [
          'maxDurationSeconds: 1200 → 900',
          // The other admin's edit dropped the session policy; the files put it back.
          'sessionPolicy: (none) → {"Statement":[{"Action":["s3:GetObject"],"Effect":"Allow","Resource":"*"}],"Version":"2012-10-17"}',
        ],
      ],
      ['loses', `${prefix}engineers-read`, []],
    ]);
    // The callers of each changed or removed row are named, from the service's evidence: for
    // the group's row, the member who used it.
    expect(doc.callersNote).toBeUndefined();
    expect(doc.effects.map((e) => e.callers)).toEqual([
      [expect.objectContaining({ principal: oidcPrincipal(carol), name: carol, issuances: 1 })],
      [expect.objectContaining({ principal: oidcPrincipal(erin), name: erin, issuances: 1 })],
    ]);
    expect(text.stdout).toContain(`- group engineers-${run} at ${stack().issuer} loses credvend-readonly`);
    expect(text.stdout).toContain(`      ${carol} (${oidcPrincipal(carol)}): 1 issuance(s), last `);
    expect(text.stdout).toContain(`      ${erin} (${oidcPrincipal(erin)}): 1 issuance(s), last `);

    const applied = await cli(['access', 'apply', repo]);
    expect(applied.code).toBe(0);
    expect(await readEntitlement(`${prefix}engineers-read`)).toBeUndefined();
    expect(await readEntitlement(`${prefix}carol-read`)).toMatchObject({ maxDurationSeconds: 900 });
  });

  it('leaves rows it neither describes nor owns alone', async () => {
    const foreign = `other${run}.read`;
    const put = await fetch(`${stack().apiUrl}/v1/entitlements/${foreign}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({
        subject: { oidc: { issuer: stack().issuer, sub: carol } },
        accountId: stack().targetAccountId,
        roleArn: stack().roles.readonly,
        maxDurationSeconds: 900,
      }),
    });
    expect(put.status).toBe(201);

    const plan = await cli(['access', 'plan', repo]);

    expect(plan.code).toBe(0);
    expect(plan.stdout).not.toContain(foreign);
    expect(await readEntitlement(foreign)).toMatchObject({ version: 1 });
    await fetch(`${stack().apiUrl}/v1/entitlements/${foreign}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${adminToken}`, 'if-match': '"v1"' },
    });
  });

  it('reports every problem of bad files with its file and line, and applies nothing', async () => {
    const bad = join(home, 'bad');
    await mkdir(bad);
    await writeFile(join(bad, 'broken.yaml'), 'entitlements:\n  x: [unclosed\n');
    await writeFile(
      join(bad, 'rows.yaml'),
      [
        'entitlements:',
        `  ${prefix}bad-one:`,
        '    subject: nobody',
        `    accountId: "${stack().targetAccountId}"`,
        `    roleArn: ${stack().roles.readonly}`,
        '    maxDurationSeconds: 3600',
        `  ${prefix}bad-two:`,
        `    subject: { oidc: { issuer: "${stack().issuer}", sub: x } }`,
        '    accountId: "333333333333"',
        `    roleArn: ${stack().roles.readonly}`,
        '    maxDurationSeconds: 50000',
        '    colour: blue',
        '',
      ].join('\n'),
    );

    const applied = await cli(['access', 'apply', bad]);

    expect(applied.code).toBe(1);
    const lines = applied.stderr.trim().split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/\/bad\/broken\.yaml:[23]: /),
        expect.stringMatching(/\/bad\/rows\.yaml:12: .*colour/),
      ]),
    );
    expect(lines.at(-1)).toContain('nothing was planned or applied');
    // With the syntax and the unknown field fixed, the row checks remain: one line each.
    await writeFile(join(bad, 'broken.yaml'), '{}\n');
    await writeFile(
      join(bad, 'rows.yaml'),
      (await readFile(join(bad, 'rows.yaml'), 'utf8')).replace('    colour: blue\n', ''),
    );
    const again = await cli(['access', 'apply', bad]);
    const asJson = await cli(['--json', 'access', 'plan', bad]);
    const missing = await cli(['access', 'plan', join(home, 'no-such-dir')]);
    expect(asJson.code).toBe(1);
    expect(JSON.parse(asJson.stdout)).toEqual({
      problems: [
        { file: join(bad, 'rows.yaml'), line: 3, message: 'no subject named nobody in this directory' },
        expect.objectContaining({ file: join(bad, 'rows.yaml'), line: 9 }),
        expect.objectContaining({ file: join(bad, 'rows.yaml'), line: 11 }),
      ],
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`credvend: cannot read the directory ${join(home, 'no-such-dir')}\n`);
    expect(again.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/rows\.yaml:3: no subject named nobody/),
      expect.stringMatching(/rows\.yaml:9: accountId: must be the role's account/),
      expect.stringMatching(/rows\.yaml:11: maxDurationSeconds: /),
      expect.stringContaining('3 problem(s) in the access files: nothing was planned or applied'),
    ]);
    expect(await readEntitlement(`${prefix}bad-two`)).toBeUndefined();
  });
});
