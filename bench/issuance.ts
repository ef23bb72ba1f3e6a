import { PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { auditEventToItem } from '../src/aws/audit-items.js';
import { toAssumeRoleInput } from '../src/aws/sts-role-assumer.js';
import { dynamodbOf } from '../src/compose/composition.js';
import { createVendFunction } from '../src/compose/vend.js';
import { loadConfig } from '../src/config.js';
import type { ChainedAuditEvent } from '../src/domain/audit/audit.js';
import { planIssuance } from '../src/domain/issuance/plan.js';
import { newEventId } from '../src/domain/shared/ids.js';
import type { Caller, Entitlement } from '../src/domain/shared/types.js';
import { demoEntitlements } from '../src/local/demo-entitlements.js';
import type { LocalEnvironment } from '../src/local/environment.js';
import { benchComposition, vendingStsClient } from './composition.js';
import { ms, summarize } from './stats.js';

/**
 * Issuance latency through the HTTP API beside the same three SDK calls made bare
 * (Query, AssumeRole, PutItem) against the same local stack. Runs alternate so drift in
 * the emulators (moto grows slower as it stores sessions) hits both sides equally.
 */
export async function benchIssuance(environment: LocalEnvironment, requests: number): Promise<void> {
  const config = loadConfig(environment.credvendEnv);
  const root = benchComposition(environment);
  const clients = { dynamodb: dynamodbOf(root), sts: await vendingStsClient(root) };
  const token = await environment.mintToken('alice@example.com');
  const subject = `oidc|${environment.issuer}|alice@example.com`;

  const viaApi = async (): Promise<void> => {
    const response = await fetch(`${environment.apiUrl}/v1/credentials`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ entitlement: 'demo-readonly' }),
    });
    if (response.status !== 200) throw new Error(`API answered ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
  };
  // The bare path sends exactly what credvend sends: the same Query, the same AssumeRole
  // input (policy, tags, SourceIdentity) and an audit item of the same shape and indexes.
  const entitlement = demoEntitlements({
    issuer: environment.issuer,
    readonlyRoleArn: environment.stack.seed.roles.readonly,
    deployRoleArn: environment.stack.seed.roles.deploy,
    externalId: environment.stack.seed.externalId,
    bucket: environment.stack.seed.bucket,
  })[0] as Entitlement;
  const caller: Caller = {
    principal: `${environment.issuer}#alice@example.com`,
    authMethod: 'oidc',
    identityKey: subject,
    subjectKeys: [subject],
    displayName: 'alice@example.com',
    claims: { email: 'alice@example.com' },
  };
  const plan = planIssuance(entitlement, { target: { entitlementId: entitlement.id } }, caller, {
    roleChaining: false,
    now: new Date(),
  });
  let seq = 0;
  const chainId = newEventId();
  const bare = async (): Promise<void> => {
    await clients.dynamodb.send(
      new QueryCommand({
        TableName: config.tables.entitlements,
        KeyConditionExpression: '#s = :s',
        ExpressionAttributeNames: { '#s': 'subject' },
        ExpressionAttributeValues: { ':s': { S: subject } },
      }),
    );
    const assumed = await clients.sts.send(new AssumeRoleCommand(toAssumeRoleInput(plan)));
    const now = new Date();
    const record: ChainedAuditEvent = {
      eventId: newEventId(now),
      time: now.toISOString(),
      day: now.toISOString().slice(0, 10),
      action: 'credentials.issue',
      outcome: 'issued',
      requestId: 'bench',
      principal: caller.principal,
      authMethod: 'oidc',
      entitlementId: entitlement.id,
      accountId: entitlement.accountId,
      roleArn: entitlement.roleArn,
      sessionName: plan.sessionName,
      sourceIdentity: plan.sourceIdentity,
      durationSeconds: plan.durationSeconds,
      accessKeyId: assumed.Credentials?.AccessKeyId ?? 'none',
      chainId,
      seq: seq++,
      prevHash: '0'.repeat(64),
      hash: '0'.repeat(64),
    };
    await clients.dynamodb.send(
      new PutItemCommand({
        TableName: config.tables.audit,
        Item: auditEventToItem(record),
        ConditionExpression: 'attribute_not_exists(eventId)',
      }),
    );
  };

  // The same app without the socket: the bench client and the API server share this
  // process's one event loop, so the HTTP row pays for both ends of the connection.
  const app = createVendFunction(root);
  const inProcess = async (): Promise<void> => {
    const response = await app.request('/v1/credentials', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ entitlement: 'demo-readonly' }),
    });
    if (response.status !== 200) throw new Error(`app answered ${response.status}`);
    await response.arrayBuffer();
  };

  // DynamoDB Local is a JVM: its JIT needs a few hundred requests before timings settle.
  const warmup = Number(process.env.BENCH_WARMUP ?? 200);
  for (let i = 0; i < warmup; i++) {
    await viaApi();
    await inProcess();
    await bare();
  }
  const api: number[] = [];
  const local: number[] = [];
  const sdk: number[] = [];
  const cases: Array<[() => Promise<void>, number[]]> = [
    [viaApi, api],
    [inProcess, local],
    [bare, sdk],
  ];
  for (let i = 0; i < requests; i++) {
    // Rotate the order so drift in the emulators hits every case alike.
    for (let k = 0; k < cases.length; k++) {
      const [fn, samples] = cases[(i + k) % cases.length] as [() => Promise<void>, number[]];
      const start = performance.now();
      await fn();
      samples.push(performance.now() - start);
    }
  }
  const a = summarize(api);
  const l = summarize(local);
  const b = summarize(sdk);
  console.log(`\nissuance latency, ${requests} requests each (sequential, loopback)`);
  console.log(`  through the API (HTTP)      p50 ${ms(a.p50)}  p99 ${ms(a.p99)}  mean ${ms(a.mean)}`);
  console.log(`  through the API (in-proc)   p50 ${ms(l.p50)}  p99 ${ms(l.p99)}  mean ${ms(l.mean)}`);
  console.log(`  bare SDK calls              p50 ${ms(b.p50)}  p99 ${ms(b.p99)}  mean ${ms(b.mean)}`);
  console.log(
    `  ratio in-proc/bare          p50 ${(l.p50 / b.p50).toFixed(3)}x  p99 ${(l.p99 / b.p99).toFixed(3)}x`,
  );
  console.log(
    `  ratio API/bare    p50 ${(a.p50 / b.p50).toFixed(3)}x  p99 ${(a.p99 / b.p99).toFixed(3)}x  (target <= 1.1x)`,
  );
  clients.dynamodb.destroy();
  clients.sts.destroy();
}
