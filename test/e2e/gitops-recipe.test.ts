import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import * as z from 'zod';
import { loadConfig } from '../../src/config.js';
import { type ApiServer, createLocalApp, startApiServer } from '../../src/local/api-server.js';
import { type CiIssuers, githubClaims, gitlabClaims, startCiIssuers } from '../fixtures/ci-issuers.js';
import { checkAgainstOpenApi } from '../integration/openapi-responses.js';
import { auditOfPrincipal, devToken, functionCredentials, stack } from '../integration/support.js';
import { BIN, type Run } from './cli-run.js';

const RECIPES = 'docs/recipes/gitops';

const githubStep = z.strictObject({
  id: z.string().optional(),
  name: z.string().optional(),
  uses: z.string().optional(),
  with: z.record(z.string(), z.unknown()).optional(),
  run: z.string().optional(),
  env: z.record(z.string(), z.string()).optional(),
});
const githubWorkflow = z.object({
  name: z.string(),
  on: z.record(z.string(), z.unknown()),
  permissions: z.record(z.string(), z.string()),
  jobs: z.record(
    z.string(),
    z.object({
      'runs-on': z.string(),
      environment: z.string().optional(),
      env: z.record(z.string(), z.string()).optional(),
      steps: z.array(githubStep),
    }),
  ),
});
const gitlabJobSchema = z.object({
  extends: z.string().optional(),
  id_tokens: z.record(z.string(), z.object({ aud: z.string() })).optional(),
  before_script: z.array(z.string()).optional(),
  script: z.array(z.string()).optional(),
  environment: z.string().optional(),
  rules: z.array(z.object({ if: z.string() }).loose()).optional(),
});
const gitlabPipeline = z.record(z.string(), z.unknown());

/** What the recipes install in a real pipeline; here the CLI under test is on PATH instead. */
const INSTALL = 'npm install --global "$CREDVEND_CLI_PACKAGE"';

function runBash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script],
      { cwd, env, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** `NAME=value` lines a step appended to $GITHUB_ENV or $GITHUB_OUTPUT. */
async function keyValues(file: string): Promise<Record<string, string>> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const pairs = text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const at = line.indexOf('=');
      if (at < 1) throw new Error(`not NAME=value: ${line}`);
      return [line.slice(0, at), line.slice(at + 1)];
    });
  return Object.fromEntries(pairs);
}

/**
 * The recipes of docs/recipes/gitops run as their CI platforms would run them: the workflow
 * files are parsed, their shell steps run by bash in a checkout of an access repository, with
 * the platform's OIDC token (CI-shaped, from test/fixtures/ci-issuers.ts) and credvend's
 * built CLI on PATH, against an API of the shared stack configured with two admin slices.
 */
describe('GitOps recipes: plan on a pull request, apply on merge, within one admin slice', () => {
  const run = Date.now();
  const gh = `gitops${run}.gh.`;
  const gl = `gitops${run}.gl.`;
  const GH_TOKEN = 'ghs_recipe-test';
  const REQUEST_TOKEN = 'actions-request-token';
  let ci: CiIssuers;
  let api: ApiServer;
  let platform: Server;
  let platformUrl: string;
  let home: string;
  let adminToken: string;
  /** The claims of the job whose token the platform hands out next. */
  let jobClaims: Record<string, unknown> = {};
  const comments: string[] = [];

  const githubApply = {
    repository_id: '740001',
    ref: 'refs/heads/main',
    event_name: 'push',
    environment: 'credvend-access',
  };
  const gitlabApply = {
    project_id: '20',
    ref: 'main',
    ref_protected: 'true',
    environment: 'credvend-access',
  };

  /** GitHub's side: the OIDC token endpoint of a job with id-token: write, and the comments API. */
  const platformHandler: RequestListener = (request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.method === 'GET' && url.pathname === '/token') {
      if (request.headers.authorization !== `bearer ${REQUEST_TOKEN}`) return reply(401, {});
      void ci.github
        .sign(jobClaims, { audience: url.searchParams.get('audience') ?? 'none' })
        .then((value) => reply(200, { count: 1, value }));
      return;
    }
    if (request.method === 'POST' && url.pathname === '/repos/octo-org/octo-repo/issues/7/comments') {
      if (request.headers.authorization !== `Bearer ${GH_TOKEN}`) return reply(401, {});
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      request.on('end', () => {
        comments.push(z.object({ body: z.string() }).parse(JSON.parse(body)).body);
        reply(201, { id: comments.length });
      });
      return;
    }
    reply(404, {});
  };

  const accessFile = (prefix: string, issuer: string, conditions: Record<string, string>, extra = '') =>
    [
      `owns: ["${prefix}*"]`,
      'entitlements:',
      `  ${prefix}deploy:`,
      `    subject: { claims: { issuer: "${issuer}", conditions: ${JSON.stringify(conditions)} } }`,
      `    accountId: "${stack().targetAccountId}"`,
      `    roleArn: ${stack().roles.readonly}`,
      '    maxDurationSeconds: 900',
      extra,
    ].join('\n');

  const checkout = async (name: string, files: Record<string, string>) => {
    const dir = join(home, name);
    await rm(dir, { recursive: true, force: true });
    await mkdir(join(dir, 'access'), { recursive: true });
    for (const [file, text] of Object.entries(files)) await writeFile(join(dir, 'access', file), text);
    return dir;
  };

  const baseEnv = (): NodeJS.ProcessEnv => ({
    PATH: `${join(home, 'bin')}:${process.env.PATH ?? ''}`,
    HOME: home,
    CREDVEND_TERMINAL_PROMPT: '0',
  });

  const adminFetch = (path: string, init: RequestInit = {}) =>
    fetch(`${api.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${adminToken}`, ...init.headers },
    });
  const stored = async (id: string) => {
    const response = await adminFetch(`/v1/entitlements/${id}`);
    return response.status === 404
      ? undefined
      : z.object({ accountId: z.string(), version: z.number() }).parse(await response.json());
  };

  /** Runs one GitHub Actions job of a recipe: its steps in order, stopping at the first that fails. */
  async function githubJob(file: string, claims: Record<string, unknown>, repo: string) {
    const workflow = githubWorkflow.parse(
      parse(await readFile(join(RECIPES, 'github-actions', file), 'utf8')),
    );
    const [job] = Object.values(workflow.jobs);
    if (!job) throw new Error(`${file} has no job`);
    jobClaims = { ...claims, ...(job.environment ? { environment: job.environment } : {}) };
    const expressions: Record<string, string> = {
      'vars.CREDVEND_API_URL': api.url,
      'vars.CREDVEND_CLI_PACKAGE': 'credvend',
      'github.token': GH_TOKEN,
      'github.event.pull_request.number': '7',
    };
    const resolve = (env: Record<string, string> = {}) =>
      Object.fromEntries(
        Object.entries(env).map(([name, value]) => [
          name,
          value.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_, expression: string) => {
            const known = expressions[expression];
            if (known === undefined) throw new Error(`${file}: unknown expression ${expression}`);
            return known;
          }),
        ]),
      );
    const githubEnv = join(repo, '..', `${file}.env`);
    const githubOutput = join(repo, '..', `${file}.output`);
    await rm(githubEnv, { force: true });
    await rm(githubOutput, { force: true });
    const runner = {
      ...baseEnv(),
      GITHUB_ENV: githubEnv,
      GITHUB_OUTPUT: githubOutput,
      GITHUB_API_URL: platformUrl,
      GITHUB_REPOSITORY: 'octo-org/octo-repo',
      // GitHub gives a job these two only with `id-token: write`.
      ...(workflow.permissions['id-token'] === 'write'
        ? {
            ACTIONS_ID_TOKEN_REQUEST_URL: `${platformUrl}/token?api-version=2.0`,
            ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN,
          }
        : {}),
    };
    const steps: Record<string, Run> = {};
    let env: NodeJS.ProcessEnv = {};
    for (const step of job.steps) {
      if (step.uses) {
        // The checkout is `repo`, and Node is this one: nothing else may be used.
        expect(step.uses).toMatch(/^actions\/(checkout|setup-node)@v\d+$/);
        continue;
      }
      const id = step.id ?? '';
      if (!step.run) throw new Error(`${file}: step ${id} neither uses an action nor runs anything`);
      // An expression in a script is a script injection waiting to happen: values go through env.
      expect(step.run).not.toContain('${{');
      if (id === 'install') {
        expect(step.run.trim()).toBe(INSTALL);
        continue;
      }
      env = { ...runner, ...(await keyValues(githubEnv)), ...resolve(job.env), ...resolve(step.env) };
      steps[id] = await runBash(step.run, repo, env);
      if (steps[id].code !== 0) break;
    }
    return {
      workflow,
      job,
      steps,
      outputs: await keyValues(githubOutput),
      env: { ...env, ...(await keyValues(githubEnv)) },
    };
  }

  /** Runs one GitLab CI job of the recipe: its id_tokens in their variables, then its script. */
  async function gitlabJob(name: string, claims: Record<string, unknown>, repo: string) {
    const pipeline = gitlabPipeline.parse(
      parse(await readFile(join(RECIPES, 'gitlab-ci', 'access.gitlab-ci.yml'), 'utf8')),
    );
    const own = gitlabJobSchema.parse(pipeline[name]);
    const job = { ...(own.extends ? gitlabJobSchema.parse(pipeline[own.extends]) : {}), ...own };
    const variables = z.record(z.string(), z.string()).parse(pipeline.variables ?? {});
    const tokens: Record<string, string> = {};
    const withEnvironment = { ...claims, ...(job.environment ? { environment: job.environment } : {}) };
    for (const [variable, { aud }] of Object.entries(job.id_tokens ?? {})) {
      tokens[variable] = await ci.gitlab.sign(withEnvironment, { audience: aud });
    }
    expect(job.before_script).toEqual([INSTALL]);
    const env = { ...baseEnv(), ...variables, CREDVEND_API_URL: api.url, ...tokens };
    const result = await runBash((job.script ?? []).join('\n'), repo, env);
    return { job, result, env };
  }

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'credvend-gitops-'));
    await mkdir(join(home, 'bin'));
    await writeFile(join(home, 'bin', 'credvend'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    await chmod(join(home, 'bin', 'credvend'), 0o755);
    ci = await startCiIssuers();
    platform = createServer(platformHandler);
    await new Promise<void>((resolve) => platform.listen(0, '127.0.0.1', resolve));
    platformUrl = `http://127.0.0.1:${(platform.address() as AddressInfo).port}`;
    const slice = (name: string, issuer: string, ids: string, apply: object, plan: object) => ({
      name,
      issuer,
      apply,
      plan,
      accounts: [stack().targetAccountId],
      ids: [`${ids}*`],
    });
    const config = loadConfig({
      ...stack().credvendEnv,
      CREDVEND_OIDC_ISSUERS: JSON.stringify([
        {
          issuer: ci.github.issuer,
          jwksUri: ci.github.jwksUri,
          algorithms: ['RS256'],
          clockToleranceSeconds: 1,
        },
        {
          issuer: ci.gitlab.issuer,
          jwksUri: ci.gitlab.jwksUri,
          algorithms: ['RS256'],
          nameClaim: 'project_path',
          clockToleranceSeconds: 1,
        },
      ]),
      CREDVEND_ADMIN_SLICES: JSON.stringify([
        slice('payments-github', ci.github.issuer, gh, githubApply, { repository_id: '740001' }),
        slice('payments-gitlab', ci.gitlab.issuer, gl, gitlabApply, { project_id: '20' }),
      ]),
    });
    // The stack's own API with these settings: each function under its template role.
    api = await startApiServer(createLocalApp(config, functionCredentials), '127.0.0.1', 0);
    adminToken = await devToken('admin@example.com');
  });

  afterAll(async () => {
    for (const id of [`${gh}deploy`, `${gl}deploy`, `${gh}elsewhere`]) {
      const row = await stored(id);
      if (row)
        await adminFetch(`/v1/entitlements/${id}`, {
          method: 'DELETE',
          headers: { 'if-match': `"v${row.version}"` },
        });
    }
    await api?.stop();
    await new Promise((resolve) => platform?.close(resolve));
    await ci?.close();
    await rm(home, { recursive: true, force: true });
  });

  const pullRequest = githubClaims({
    sub: 'repo:octo-org/octo-repo:pull_request',
    event_name: 'pull_request',
    ref: 'refs/pull/7/merge',
    environment: undefined,
  });
  const pushToMain = githubClaims({ sub: 'repo:octo-org/octo-repo:environment:credvend-access' });
  /** The plan job's environment (its token included), as the pull request's steps saw it. */
  let pullRequestEnv: NodeJS.ProcessEnv = {};
  const ghFiles = () => ({
    'team.yaml': accessFile(gh, ci.github.issuer, { repository_id: '740001', environment: 'production' }),
  });

  it('GitHub: the pull request plans with its own token, exits 2 and posts the effect as a comment', async () => {
    const repo = await checkout('github', ghFiles());

    const { workflow, steps, outputs, env } = await githubJob('access-plan.yml', pullRequest, repo);
    pullRequestEnv = env;

    expect(Object.keys(workflow.on)).toEqual(['pull_request']);
    expect(steps.plan?.stderr).toBe('');
    expect(outputs['exit-code']).toBe('2');
    expect(steps.comment?.code).toBe(0);
    const comment = comments.at(-1) ?? '';
    expect(comment).toMatch(/^#### credvend access plan: 1 change\(s\)\n\n````diff\n/);
    expect(comment).toContain(
      `+ claim rule at ${ci.github.issuer} where environment=production, repository_id=740001 gains credvend-readonly in ${stack().targetAccountId} (entitlement ${gh}deploy)`,
    );
    expect(await stored(`${gh}deploy`)).toBeUndefined();
  });

  it("GitHub: a pull request's token cannot apply, even when the pull request edits the workflow to", async () => {
    const repo = await checkout('github', ghFiles());

    // What an edited plan step would run, with the token the plan job got.
    expect(pullRequestEnv.CREDVEND_TOKEN).toMatch(/^ey/);
    const attempt = await runBash('credvend access apply "$ACCESS_DIR"', repo, pullRequestEnv);

    expect(attempt.code).toBe(1);
    expect(attempt.stderr).toContain("this needs the admin role or an admin slice's apply rule");
    expect(await stored(`${gh}deploy`)).toBeUndefined();
  });

  it('GitHub: the merge applies with the apply job token, audited as the workflow; a re-plan is clean', async () => {
    const repo = await checkout('github', ghFiles());

    const applied = await githubJob('access-apply.yml', pushToMain, repo);
    const replan = await githubJob('access-plan.yml', pullRequest, repo);

    expect(applied.workflow.on).toMatchObject({ push: { branches: ['main'] } });
    expect(applied.steps.apply).toMatchObject({ code: 0, stderr: '' });
    expect(applied.steps.apply?.stdout).toContain(`applied: create entitlement ${gh}deploy (v1)`);
    expect(await stored(`${gh}deploy`)).toMatchObject({ version: 1 });
    const principal = `${ci.github.issuer}#repo:octo-org/octo-repo:environment:credvend-access`;
    expect(
      (await auditOfPrincipal(principal)).map((e) => `${e.action} ${e.outcome} ${e.entitlementId}`),
    ).toContain(`entitlement.put applied ${gh}deploy`);
    expect(replan.outputs['exit-code']).toBe('0');
  });

  it('GitHub: an apply reaching outside the slice is refused and changes nothing', async () => {
    // A row an admin wrote in another account, under the slice's id prefix.
    const put = await adminFetch(`/v1/entitlements/${gh}elsewhere`, {
      method: 'PUT',
      body: JSON.stringify({
        subject: { oidc: { issuer: stack().issuer, sub: 'carol@example.com' } },
        accountId: '333333333333',
        roleArn: 'arn:aws:iam::333333333333:role/credvend-readonly',
        maxDurationSeconds: 900,
      }),
    });
    expect(put.status).toBe(201);
    const takeover = [
      `  ${gh}elsewhere:`,
      '    subject: { oidc: { issuer: "https://idp.example.com", sub: mallory } }',
      `    accountId: "${stack().targetAccountId}"`,
      `    roleArn: ${stack().roles.readonly}`,
      '    maxDurationSeconds: 900',
    ].join('\n');
    const foreign = `other${run}.read`;
    const elsewhere = [
      `  ${foreign}:`,
      '    subject: { oidc: { issuer: "https://idp.example.com", sub: mallory } }',
      `    accountId: "${stack().targetAccountId}"`,
      `    roleArn: ${stack().roles.readonly}`,
      '    maxDurationSeconds: 900',
    ].join('\n');

    const applyWith = async (
      extra: string,
      conditions = { repository_id: '740001', environment: 'production' },
    ) => {
      const repo = await checkout('github', {
        'team.yaml': `${accessFile(gh, ci.github.issuer, conditions, extra)}\n`,
      });
      return (await githubJob('access-apply.yml', pushToMain, repo)).steps.apply;
    };

    // Another team's id beside a change of its own: the apply checks every step first.
    const mixed = await applyWith(elsewhere, { repository_id: '740001', environment: 'staging' });
    // A row under its prefix in another account is not in its lists: the write itself is refused.
    const taken = await applyWith(takeover);

    expect(mixed?.code).toBe(1);
    expect(mixed?.stderr).toContain(
      `outside slice payments-github (ids ${gh}* in accounts ${stack().targetAccountId}): create entitlement ${foreign}`,
    );
    expect(mixed?.stderr).toContain('1 step(s) outside what this identity administers: nothing was applied');
    expect(taken?.code).toBe(1);
    expect(taken?.stderr).toContain(
      `${gh}elsewhere in account 333333333333 is outside slice payments-github`,
    );
    expect(await stored(`${gh}deploy`)).toMatchObject({ version: 1 });
    expect(await stored(`${gh}elsewhere`)).toMatchObject({ accountId: '333333333333', version: 1 });
    expect(await stored(foreign)).toBeUndefined();
  });

  it("the apply job's token is no admin: the admin role's other routes refuse it", async () => {
    const token = await ci.github.sign({ ...pushToMain, environment: 'credvend-access' });
    const as = (path: string, method = 'GET') =>
      fetch(`${api.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } }).then(
        (r) => r.status,
      );

    const scope = await fetch(`${api.url}/v1/admin/scope`, { headers: { authorization: `Bearer ${token}` } });
    await checkAgainstOpenApi('GET', '/v1/admin/scope', scope.clone());
    expect(await scope.json()).toEqual({
      kind: 'slices',
      slices: [{ name: 'payments-github', accounts: [stack().targetAccountId], ids: [`${gh}*`] }],
    });
    expect(await (await adminFetch('/v1/admin/scope')).json()).toEqual({ kind: 'all' });
    expect(await as('/v1/entitlements?limit=1000').then(String)).toBe('200');
    expect(
      await Promise.all([
        as('/v1/subjects'),
        as(`/v1/entitlements/${gh}deploy/suggested-policy`),
        as('/v1/reviews/evidence?accountId=222222222222'),
        as('/v1/audit/events'),
        as('/v1/audit/events/01J00000000000000000000000/revoke', 'POST'),
      ]),
    ).toEqual([403, 403, 403, 403, 403]);
  });

  it('the apply job opens a review of its own rows only; a scope reaching other rows or accounts is refused', async () => {
    const token = await ci.github.sign({ ...pushToMain, environment: 'credvend-access' });
    const open = (scope: object) =>
      fetch(`${api.url}/v1/reviews`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify({
          scope,
          reviewers: [`${stack().issuer}#bob@example.com`],
          deadline: new Date(Date.now() + 7 * 86_400_000).toISOString(),
          deadlineDefault: 'keep',
        }),
      });

    // The slice's claim-rule row (applied on merge) is the only row under this subject key.
    const own = await open({ kind: 'subject', subject: `claims|${ci.github.issuer}` });
    const role = await open({ kind: 'role', roleArn: stack().roles.readonly });
    const elsewhere = await open({ kind: 'account', accountId: '333333333333' });

    expect(own.status).toBe(201);
    const review = z.object({ id: z.string(), items: z.number() }).parse(await own.json());
    expect(review.items).toBe(1);
    expect(role.status).toBe(403);
    expect(await role.text()).not.toContain('demo-readonly');
    expect(elsewhere.status).toBe(403);
    expect((await adminFetch(`/v1/reviews/${review.id}/close`, { method: 'POST' })).status).toBe(200);
  });

  it('GitLab: the merge request plans (exit 2 is a plan), the default branch applies', async () => {
    const repo = await checkout('gitlab', {
      'team.yaml': accessFile(gl, ci.gitlab.issuer, { project_id: '20', environment: 'production' }),
    });
    const mergeRequest = gitlabClaims({
      sub: 'project_path:mygroup/my-project:ref_type:branch:ref:add-deploy',
      ref: 'add-deploy',
      ref_path: 'refs/heads/add-deploy',
      ref_protected: 'false',
      pipeline_source: 'merge_request_event',
      environment: undefined,
      environment_protected: undefined,
    });

    const plan = await gitlabJob('credvend-access-plan', mergeRequest, repo);
    const planAsApply = await runBash('credvend access apply "$ACCESS_DIR"', repo, plan.env);
    const apply = await gitlabJob('credvend-access-apply', gitlabClaims(), repo);

    expect(plan.job.rules?.[0]?.if).toContain('merge_request_event');
    expect(plan.result).toMatchObject({ code: 0, stderr: '' });
    expect(plan.result.stdout).toContain(
      `gains credvend-readonly in ${stack().targetAccountId} (entitlement ${gl}deploy)`,
    );
    expect(await keyValues(join(repo, 'plan.env'))).toEqual({ CREDVEND_PLAN_EXIT: '2' });
    expect(JSON.parse(await readFile(join(repo, 'plan.json'), 'utf8'))).toMatchObject({ changes: 1 });
    expect(planAsApply.code).toBe(1);
    expect(apply.job.rules?.[0]?.if).toBe('$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH');
    expect(apply.result).toMatchObject({ code: 0, stderr: '' });
    expect(await stored(`${gl}deploy`)).toMatchObject({ version: 1 });
  });
});
