import {
  BatchWriteItemCommand,
  CreateTableCommand,
  type DynamoDBClient,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { entitlementToItem } from '../src/aws/entitlement-items.js';
import { entitlementsTableDefinition } from '../src/aws/table-schema.js';
import { compose, dynamodbOf } from '../src/compose/composition.js';
import { createVendFunction } from '../src/compose/vend.js';
import { loadConfig } from '../src/config.js';
import type { Entitlement } from '../src/domain/shared/types.js';
import { claimRuleSubject, groupSubject, oidcSubject } from '../src/domain/subjects/subjects.js';
import type { LocalEnvironment } from '../src/local/environment.js';
import { type CiIssuers, startCiIssuers } from '../test/fixtures/ci-issuers.js';
import { entitlement } from '../test/unit/fixtures.js';
import { ms, summarize } from './stats.js';

const CALLER_GROUPS = ['platform', 'deployers', 'oncall', 'data', 'web'];

function row(id: string, subject: string, roleArn: string, extra: Partial<Entitlement> = {}): Entitlement {
  return entitlement({
    id,
    subject,
    accountId: roleArn.split(':')[4] ?? '',
    roleArn,
    maxDurationSeconds: 3600,
    ...extra,
  });
}

/**
 * The table as the bench fills it: the caller's own rule, then `size - 1` rows for other
 * subjects (other people, other groups of the same issuer, other issuers' rules), and
 * `issuerRules` rules in the caller's issuer's rule partition, which is capped (200).
 */
function rows(ci: CiIssuers, roleArn: string, size: number, issuerRules: number): Entitlement[] {
  const gl = ci.gitlab.issuer;
  const all = [
    row('mine', claimRuleSubject(gl), roleArn, { claimConditions: { project_id: '20', ref: 'main' } }),
  ];
  for (let i = 1; i < issuerRules; i++) {
    all.push(
      row(`rule-${i}`, claimRuleSubject(gl), roleArn, { claimConditions: { project_id: `${1000 + i}` } }),
    );
  }
  for (let i = all.length; i < size; i++) {
    const kind = i % 3;
    const subject =
      kind === 0
        ? oidcSubject(gl, `project_path:other/p${i}:ref_type:branch:ref:main`)
        : kind === 1
          ? groupSubject(gl, `team-${i % 500}`)
          : claimRuleSubject(`${ci.github.issuer}-${i % 50}`);
    all.push(
      row(`other-${i}`, subject, roleArn, kind === 2 ? { claimConditions: { repository_id: `${i}` } } : {}),
    );
  }
  return all;
}

async function fill(
  dynamodb: DynamoDBClient,
  table: string,
  entitlements: readonly Entitlement[],
): Promise<void> {
  await dynamodb.send(new CreateTableCommand(entitlementsTableDefinition(table)));
  await waitUntilTableExists({ client: dynamodb, maxWaitTime: 60 }, { TableName: table });
  for (let i = 0; i < entitlements.length; i += 25) {
    const batch = entitlements.slice(i, i + 25).map((e) => ({ PutRequest: { Item: entitlementToItem(e) } }));
    let pending: Record<string, (typeof batch)[number][]> | undefined = { [table]: batch };
    while (pending && Object.keys(pending).length > 0) {
      const output = await dynamodb.send(new BatchWriteItemCommand({ RequestItems: pending }));
      pending = output.UnprocessedItems as typeof pending;
    }
  }
}

/**
 * Issuance latency for a CI caller matched by a claim rule (a GitLab-shaped token with five
 * groups: one exact key, five group keys, one rule key) with the entitlements table at 10
 * rows, at 10 000 rows, and at 10 000 rows with the issuer's rule partition at its cap;
 * requests rotate across the three so emulator drift hits each alike. Also counts the
 * DynamoDB Queries per issuance, which must not change with the table.
 */
export async function benchSubjects(environment: LocalEnvironment, requests: number): Promise<void> {
  const ci = await startCiIssuers();
  const roleArn = environment.stack.seed.roles.readonly;
  const stamp = Date.now();
  const cases = [
    { name: '10 rows', table: `bench-subjects-10-${stamp}`, size: 10, issuerRules: 3 },
    { name: '10 000 rows', table: `bench-subjects-10k-${stamp}`, size: 10_000, issuerRules: 3 },
    {
      name: '10 000 rows, issuer rules at cap',
      table: `bench-subjects-cap-${stamp}`,
      size: 10_000,
      issuerRules: 200,
    },
  ];
  let token = '';
  const apps = [];
  for (const c of cases) {
    const root = compose(
      loadConfig({
        ...environment.credvendEnv,
        CREDVEND_ENTITLEMENTS_TABLE: c.table,
        CREDVEND_OIDC_ISSUERS: JSON.stringify([
          {
            issuer: ci.gitlab.issuer,
            jwksUri: ci.gitlab.jwksUri,
            algorithms: ['RS256'],
            groupsClaim: 'groups',
          },
        ]),
      }),
      {
        kind: 'node',
        sourceIp: () => '127.0.0.1',
        // The operator's identity: vend's role reads only the stack's entitlements table, and
        // these are the bench's own (created and filled by the operator, as a fixture is).
        credentials: environment.stack.operator,
      },
    );
    const dynamodb = dynamodbOf(root);
    await fill(dynamodb, c.table, rows(ci, roleArn, c.size, c.issuerRules));
    let queries = 0;
    dynamodb.middlewareStack.add(
      (next, context) => (args) => {
        if (context.commandName === 'QueryCommand') queries++;
        return next(args);
      },
      { step: 'initialize', name: 'benchQueryCounter' },
    );
    const app = createVendFunction(root);
    apps.push({
      ...c,
      samples: [] as number[],
      queries: () => queries,
      issue: async () => {
        const response = await app.request('/v1/credentials', {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
          body: JSON.stringify({ entitlement: 'mine' }),
        });
        if (response.status !== 200)
          throw new Error(`${c.name}: ${response.status} ${await response.text()}`);
        await response.arrayBuffer();
      },
    });
  }
  // The token lives 5 minutes, less than the fills and the runs take on a loaded machine:
  // it is signed after the fills and again every 4 minutes, outside the timed calls.
  let signedAt = 0;
  const renew = async () => {
    if (Date.now() - signedAt < 240_000) return;
    token = await ci.gitlab.sign({ groups: CALLER_GROUPS });
    signedAt = Date.now();
  };
  const warmup = Number(process.env.BENCH_WARMUP ?? 100);
  for (let i = 0; i < warmup; i++) {
    await renew();
    for (const a of apps) await a.issue();
  }
  const before = apps.map((a) => a.queries());
  for (let i = 0; i < requests; i++) {
    await renew();
    for (let k = 0; k < apps.length; k++) {
      const a = apps[(i + k) % apps.length] as (typeof apps)[number];
      const start = performance.now();
      await a.issue();
      a.samples.push(performance.now() - start);
    }
  }
  const base = summarize(apps[0]?.samples ?? []);
  console.log(`\nissuance by claim rule (5 groups, in-process), ${requests} requests each, rotating`);
  apps.forEach((a, i) => {
    const s = summarize(a.samples);
    const perIssue = ((a.queries() - (before[i] ?? 0)) / requests).toFixed(1);
    console.log(
      `  ${a.name.padEnd(34)} p50 ${ms(s.p50)}  p99 ${ms(s.p99)}  Queries/issuance ${perIssue}  ratio p50 ${(s.p50 / base.p50).toFixed(3)}x  p99 ${(s.p99 / base.p99).toFixed(3)}x`,
    );
  });
  console.log('  target: 10 000 rows <= 1.1x of 10 rows; the cap row is the most one issuer may hold');
  await ci.close();
}
