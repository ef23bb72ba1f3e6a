import { PutItemCommand, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { auditEventToItem, SHORT_NAMES } from '../src/aws/audit-items.js';
import { toAssumeRoleInput } from '../src/aws/sts-role-assumer.js';
import { dynamodbOf } from '../src/compose/composition.js';
import { loadConfig } from '../src/config.js';
import { planIssuance } from '../src/domain/issuance/plan.js';
import { newEventId } from '../src/domain/shared/ids.js';
import type { Caller } from '../src/domain/shared/types.js';
import type { LocalEnvironment } from '../src/local/environment.js';
import { benchComposition, freshEntitledCaller, operatorDynamodb, vendingStsClient } from './composition.js';
import { ms, summarize } from './stats.js';

interface Driven {
  latencies: number[];
  ok: number;
  seconds: number;
}

/** Runs `worker` on `concurrency` loops until `total` more calls are done, adding to `into`. */
async function drive(total: number, concurrency: number, worker: () => Promise<boolean>, into: Driven) {
  let started = 0;
  const begin = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started < total) {
        started++;
        const t = performance.now();
        if (await worker()) into.ok++;
        into.latencies.push(performance.now() - t);
      }
    }),
  );
  into.seconds += (performance.now() - begin) / 1000;
}

/** Load rounds: the two loads alternate, each round swapping which goes first. */
const ROUNDS = 10;

/**
 * Load through one local API process: issuances per second and p99, then every audit
 * record counted. The same load of bare SDK calls (Query, AssumeRole, PutItem) against the
 * same emulators gives the emulators' own ceiling; the difference is credvend's cost. The two
 * loads run in alternating rounds, so neither gets the warmer JVM or the emptier moto.
 */
export async function benchLoad(
  environment: LocalEnvironment,
  total: number,
  concurrency: number,
): Promise<void> {
  const config = loadConfig(environment.credvendEnv);
  const root = benchComposition(environment);
  const clients = { dynamodb: dynamodbOf(root), sts: await vendingStsClient(root) };
  // A caller of its own, entitled to the demo role, so its audit records can be counted exactly.
  const { sub, entitlement } = await freshEntitledCaller(environment, config.tables.entitlements, 'load');
  const principal = `${environment.issuer}#${sub}`;
  const token = await environment.mintToken(sub);
  const body = JSON.stringify({ entitlement: entitlement.id });

  const viaApi = async () => {
    const response = await fetch(`${environment.apiUrl}/v1/credentials`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    });
    await response.arrayBuffer();
    return response.status === 200;
  };

  const caller: Caller = {
    principal,
    authMethod: 'oidc',
    identityKey: entitlement.subject,
    subjectKeys: [entitlement.subject],
    displayName: sub,
    claims: { email: sub },
  };
  const plan = planIssuance(entitlement, { target: { entitlementId: entitlement.id } }, caller, {
    roleChaining: false,
    now: new Date(),
  });
  const bareCalls = async () => {
    await clients.dynamodb.send(
      new QueryCommand({
        TableName: config.tables.entitlements,
        KeyConditionExpression: '#s = :s',
        ExpressionAttributeNames: { '#s': 'subject' },
        ExpressionAttributeValues: { ':s': { S: entitlement.subject } },
      }),
    );
    const assumed = await clients.sts.send(new AssumeRoleCommand(toAssumeRoleInput(plan)));
    const now = new Date();
    await clients.dynamodb.send(
      new PutItemCommand({
        TableName: config.tables.audit,
        Item: auditEventToItem({
          eventId: newEventId(now),
          time: now.toISOString(),
          day: now.toISOString().slice(0, 10),
          action: 'credentials.issue',
          outcome: 'issued',
          requestId: 'bench-bare',
          principal: 'bench-bare',
          authMethod: 'oidc',
          accessKeyId: assumed.Credentials?.AccessKeyId ?? 'none',
          chainId: 'bench-bare',
          seq: 0,
          prevHash: '0',
          hash: '0',
        }),
      }),
    );
    return true;
  };
  const api: Driven = { latencies: [], ok: 0, seconds: 0 };
  const bare: Driven = { latencies: [], ok: 0, seconds: 0 };
  const perRound = Math.ceil(total / ROUNDS);
  for (let round = 0; round < ROUNDS; round++) {
    const order: Array<[() => Promise<boolean>, Driven]> = [
      [viaApi, api],
      [bareCalls, bare],
    ];
    for (const [worker, into] of round % 2 === 0 ? order : order.reverse())
      await drive(perRound, concurrency, worker, into);
  }

  // Counted by the operator: no function may Scan the audit table.
  const operator = operatorDynamodb(environment);
  let audited = 0;
  let startKey: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
  do {
    const page = await operator.send(
      new ScanCommand({
        TableName: config.tables.audit,
        // The principal is stored under its short name (aws/audit-items.ts).
        FilterExpression: '#p = :p AND outcome = :o',
        ExpressionAttributeNames: { '#p': SHORT_NAMES.principal },
        ExpressionAttributeValues: { ':p': { S: principal }, ':o': { S: 'issued' } },
        Select: 'COUNT',
        ExclusiveStartKey: startKey,
      }),
    );
    audited += page.Count ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  operator.destroy();

  const a = summarize(api.latencies);
  const b = summarize(bare.latencies);
  console.log(
    `\nload: ${perRound * ROUNDS} issuances, ${concurrency} concurrent, one API process on loopback, in ${ROUNDS} rounds alternating with the bare load`,
  );
  console.log(
    `  through the API   ${(api.ok / api.seconds).toFixed(0)} issuances/s  p50 ${ms(a.p50)}  p99 ${ms(a.p99)}  (${api.ok} ok)`,
  );
  console.log(
    `  bare SDK calls    ${(bare.ok / bare.seconds).toFixed(0)} sequences/s   p50 ${ms(b.p50)}  p99 ${ms(b.p99)}  (the emulators' ceiling)`,
  );
  console.log(`  credvend's own p99 cost (API p99 - bare p99): ${ms(a.p99 - b.p99)}`);
  console.log(
    `  audit records for the ${api.ok} issued: ${audited} ${audited === api.ok ? '(none lost)' : '(MISMATCH)'}`,
  );
  clients.dynamodb.destroy();
  clients.sts.destroy();
}
