import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { planResponseWire } from '../../src/wire/plan.js';
import { problemWire } from '../../src/wire/problem.js';
import { type CiIssuers, githubClaims, gitlabClaims, startCiIssuers } from '../fixtures/ci-issuers.js';
import { readWire } from '../fixtures/read-wire.js';
import { adminApp, auditSince, devToken, stack, vendApp } from './support.js';

/**
 * The GitHub Actions and GitLab CI recipes of docs/guides/ci-recipes.md, end to end against the real stack:
 * tokens with the platforms' claim sets from two local issuers, claim-rule entitlements
 * written through the admin API, issuance, plan explanations and the audit.
 */
describe('CI callers through claim rules, several issuers at once', () => {
  let ci: CiIssuers;
  let vend: ReturnType<typeof vendApp>;
  const admin = adminApp();
  const run = Date.now();
  const githubRule = `gh-deploy-${run}`;
  const gitlabRule = `gl-deploy-${run}`;

  const putEntitlement = async (id: string, body: Record<string, unknown>) => {
    const response = await admin.request(`/v1/entitlements/${id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${await devToken('admin@example.com')}` },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await readWire(response, z.record(z.string(), z.unknown())) };
  };

  const vendWith = (token: string, path = '/v1/credentials', entitlement = githubRule) =>
    vend.request(path, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify({ entitlement }),
    });

  const auditOf = async (response: Response) => {
    const requestId = response.headers.get('x-request-id');
    // Every record this file's requests wrote is dated after `run`: those are read, not the table.
    const events = await auditSince(new Date(run - 60_000));
    return events.find((e) => e.requestId === requestId);
  };

  beforeAll(async () => {
    ci = await startCiIssuers();
    vend = vendApp({
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
          groupsClaim: 'groups',
          clockToleranceSeconds: 1,
        },
      ]),
    });
    const github = await putEntitlement(githubRule, {
      subject: {
        claims: {
          issuer: ci.github.issuer,
          conditions: {
            repository_id: '740001',
            repository_owner_id: '650001',
            ref: 'refs/heads/main',
            environment: 'production',
            event_name: 'push',
          },
        },
      },
      accountId: stack().targetAccountId,
      roleArn: stack().roles.readonly,
      maxDurationSeconds: 3600,
      claimTags: { repository: 'repository', environment: 'environment' },
    });
    expect(github.status).toBe(201);
    expect(github.body.warnings).toBeUndefined();
    const gitlab = await putEntitlement(gitlabRule, {
      subject: {
        claims: {
          issuer: ci.gitlab.issuer,
          conditions: { project_id: '20', ref: 'main', ref_protected: 'true', environment: 'production' },
        },
      },
      accountId: stack().targetAccountId,
      roleArn: stack().roles.readonly,
      maxDurationSeconds: 3600,
      claimTags: { project: 'project_path' },
    });
    expect(gitlab.status).toBe(201);
  });

  afterAll(() => ci.close());

  it('issues to the right GitHub workflow, tagged with its repository and environment', async () => {
    const token = await ci.github.sign({});
    const plan = await vendWith(token, '/v1/credentials/plan');
    expect(plan.status).toBe(200);
    const body = await readWire(plan, planResponseWire);
    expect(body.matchedSubject).toMatchObject({ kind: 'claim-rule' });
    expect(body.tags).toEqual(
      expect.arrayContaining([
        { key: 'repository', value: 'octo-org/octo-repo' },
        { key: 'environment', value: 'production' },
      ]),
    );
    const issued = await vendWith(token);
    expect(issued.status).toBe(200);
    expect(await auditOf(issued)).toMatchObject({
      outcome: 'issued',
      principal: `${ci.github.issuer}#repo:octo-org/octo-repo:environment:production`,
      entitlementId: githubRule,
      matchedSubject:
        'claim-rule: environment matches production, event_name matches push, ref matches refs/heads/main, repository_id matches 740001, repository_owner_id matches 650001',
    });
  });

  it.each([
    [
      'a pull request from a fork',
      {
        sub: 'repo:octo-org/octo-repo:pull_request',
        event_name: 'pull_request',
        ref: 'refs/pull/7/merge',
        head_ref: 'fork-owner:patch-1',
        base_ref: 'main',
        environment: undefined,
      },
    ],
    ['another branch', { ref: 'refs/heads/feature-x' }],
    [
      'another repository that took over the name (different repository_id)',
      { repository_id: '990001', repository_owner_id: '990002' },
    ],
    ['another environment', { sub: 'repo:octo-org/octo-repo:environment:staging', environment: 'staging' }],
  ])('denies %s, and audits it', async (_name, overrides) => {
    const token = await ci.github.sign(overrides);
    const response = await vendWith(token);
    expect(response.status).toBe(403);
    const problem = await readWire(response, problemWire);
    expect(problem.closest?.entitlementId).toBe(githubRule);
    const event = await auditOf(response);
    expect(event).toMatchObject({ outcome: 'denied', problemCode: 'not-entitled' });
    expect(event?.principal.startsWith(`${ci.github.issuer}#repo:octo-org/octo-repo:`)).toBe(true);
    expect(event?.detail).toContain(`closest claim rule ${githubRule}`);
    expect(event?.accessKeyId).toBeUndefined();
  });

  it('tells a denied caller, in a plan, which rule came closest and which of its claims failed', async () => {
    const response = await vendWith(
      await ci.github.sign({ ref: 'refs/heads/feature-x' }),
      '/v1/credentials/plan',
    );
    expect(response.status).toBe(403);
    const problem = await readWire(response, z.record(z.string(), z.unknown()));
    expect(problem.closest).toEqual({
      entitlementId: githubRule,
      conditionsHeld: 4,
      conditions: 5,
      failedClaim: 'ref',
      detail: 'claim ref ("refs/heads/feature-x") does not match the rule',
    });
    // The rule's own pattern is never shown.
    expect(JSON.stringify(problem)).not.toContain('refs/heads/main');
  });

  it('issues to the right GitLab job and denies another environment or an unprotected ref', async () => {
    expect((await vendWith(await ci.gitlab.sign({}), '/v1/credentials', gitlabRule)).status).toBe(200);
    const staging = await vendWith(
      await ci.gitlab.sign({ environment: 'staging' }),
      '/v1/credentials',
      gitlabRule,
    );
    expect(staging.status).toBe(403);
    expect(await auditOf(staging)).toMatchObject({
      outcome: 'denied',
      principal: `${ci.gitlab.issuer}#${gitlabClaims().sub}`,
    });
    const unprotected = await vendWith(
      await ci.gitlab.sign({ ref_protected: 'false' }),
      '/v1/credentials',
      gitlabRule,
    );
    expect(unprotected.status).toBe(403);
  });

  it('does not let one issuer grant what a rule of another issuer grants', async () => {
    // GitLab token carrying GitHub's claim values: the GitHub rule is keyed to GitHub's issuer.
    const token = await ci.gitlab.sign(githubClaims());
    expect((await vendWith(token)).status).toBe(403);
  });

  it('verifies a token only against its own issuer keys', async () => {
    const forged = await ci.github.sign({}, { key: ci.gitlab.key });
    const response = await vendWith(forged);
    expect(response.status).toBe(401);
    expect((await readWire(response, problemWire)).detail).toMatch(/signature/);
  });

  it('refuses an unknown issuer with 401, unaudited (nobody is proven)', async () => {
    const token = await ci.github.sign({}, { issuer: 'https://token.actions.githubusercontent.com' });
    const response = await vendWith(token);
    expect(response.status).toBe(401);
    expect((await readWire(response, problemWire)).detail).toMatch(/issuer not accepted/);
    expect(await auditOf(response)).toBeUndefined();
  });

  it.each([
    ['a groups claim that is not a string array', { groups: 'admins' }, /array of strings/],
    ['more than 100 groups', { groups: Array.from({ length: 101 }, (_, i) => `g${i}`) }, /at most 100/],
    ['a claim set over 8 KB', { blob: 'x'.repeat(9000) }, /at most 8192/],
  ])('refuses %s with a problem naming it, audited under the verified caller', async (_name, claims, reason) => {
    const response = await vendWith(await ci.gitlab.sign(claims), '/v1/credentials', gitlabRule);
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect((await readWire(response, problemWire)).detail).toMatch(reason);
    expect(await auditOf(response)).toMatchObject({
      outcome: 'denied',
      authMethod: 'oidc',
      principal: `${ci.gitlab.issuer}#${gitlabClaims().sub}`,
    });
  });

  it('refuses to store a rule that would match everything, or has no condition', async () => {
    const base = {
      accountId: stack().targetAccountId,
      roleArn: stack().roles.readonly,
      maxDurationSeconds: 3600,
    };
    const wildcard = await putEntitlement(`gh-wild-${run}`, {
      ...base,
      subject: { claims: { issuer: ci.github.issuer, conditions: { repository: '*' } } },
    });
    expect(wildcard.status).toBe(400);
    expect(JSON.stringify(wildcard.body.issues)).toMatch(/matches every value/);
    const empty = await putEntitlement(`gh-empty-${run}`, {
      ...base,
      subject: { claims: { issuer: ci.github.issuer, conditions: {} } },
    });
    expect(empty.status).toBe(400);
    const wrongType = await putEntitlement(`gh-type-${run}`, {
      ...base,
      subject: { claims: { issuer: ci.github.issuer, conditions: { repository_id: 740001 } } },
    });
    expect(wrongType.status).toBe(400);
    const byName = await putEntitlement(`gh-name-${run}`, {
      ...base,
      effect: 'deny',
      subject: { claims: { issuer: ci.github.issuer, conditions: { repository: 'octo-org/unused' } } },
    });
    expect(byName.status).toBe(201);
    expect(JSON.stringify(byName.body.warnings)).toMatch(/repository_id/);
  });
});
