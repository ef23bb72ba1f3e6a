import { PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { loadConfig } from '../src/config.js';
import type { LocalEnvironment } from '../src/local/environment.js';
import { createAwsClients } from '../src/wiring.js';
import { ms, summarize } from './stats.js';

/**
 * Issuance latency through the HTTP API beside the same three SDK calls made bare
 * (Query, AssumeRole, PutItem) against the same local stack. Runs alternate so drift in
 * the emulators (moto grows slower as it stores sessions) hits both sides equally.
 */
export async function benchIssuance(environment: LocalEnvironment, requests: number): Promise<void> {
  const config = loadConfig(environment.credvendEnv);
  const clients = createAwsClients(config, {
    accessKeyId: environment.stack.seed.vendingAccessKeyId,
    secretAccessKey: environment.stack.seed.vendingSecretAccessKey,
  });
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
  let bareSeq = 0;
  const bare = async (): Promise<void> => {
    await clients.dynamodb.send(
      new QueryCommand({
        TableName: config.tables.entitlements,
        KeyConditionExpression: '#s = :s',
        ExpressionAttributeNames: { '#s': 'subject' },
        ExpressionAttributeValues: { ':s': { S: subject } },
      }),
    );
    const assumed = await clients.sts.send(
      new AssumeRoleCommand({
        RoleArn: environment.stack.seed.roles.readonly,
        RoleSessionName: 'alice@example.com',
        SourceIdentity: 'alice@example.com',
        DurationSeconds: 900,
        Tags: [{ Key: 'team', Value: 'platform' }],
      }),
    );
    bareSeq++;
    await clients.dynamodb.send(
      new PutItemCommand({
        TableName: config.tables.audit,
        Item: {
          eventId: { S: `bench-bare-${bareSeq}-${Date.now()}` },
          time: { S: new Date().toISOString() },
          accessKeyId: { S: assumed.Credentials?.AccessKeyId ?? 'none' },
        },
        ConditionExpression: 'attribute_not_exists(eventId)',
      }),
    );
  };

  const warmup = Math.min(30, Math.ceil(requests / 10));
  for (let i = 0; i < warmup; i++) {
    await viaApi();
    await bare();
  }
  const api: number[] = [];
  const sdk: number[] = [];
  for (let i = 0; i < requests; i++) {
    const first = i % 2 === 0;
    for (const [fn, samples] of first
      ? ([
          [viaApi, api],
          [bare, sdk],
        ] as const)
      : ([
          [bare, sdk],
          [viaApi, api],
        ] as const)) {
      const start = performance.now();
      await fn();
      samples.push(performance.now() - start);
    }
  }
  const a = summarize(api);
  const b = summarize(sdk);
  console.log(`\nissuance latency, ${requests} requests each (sequential, loopback)`);
  console.log(`  through the API   p50 ${ms(a.p50)}  p99 ${ms(a.p99)}  mean ${ms(a.mean)}`);
  console.log(`  bare SDK calls    p50 ${ms(b.p50)}  p99 ${ms(b.p99)}  mean ${ms(b.mean)}`);
  console.log(
    `  ratio API/bare    p50 ${(a.p50 / b.p50).toFixed(3)}x  p99 ${(a.p99 / b.p99).toFixed(3)}x  (target <= 1.1x)`,
  );
  clients.dynamodb.destroy();
  clients.sts.destroy();
}
