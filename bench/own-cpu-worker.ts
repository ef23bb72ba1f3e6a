/**
 * The own-CPU case's child process (bench/own-cpu.ts starts it pinned to one core): the real
 * vend app from createFunctions, its SDK clients answered by in-memory stand-ins, timed in
 * batches interleaved with the bare SDK calls the issuances make, replayed against the
 * same stand-ins by clients built with the app's own client options (src/compose/clients.ts:
 * cacheMiddleware, retries, timeouts), so the ratio is the app's code and nothing else. Every
 * issuance of a batch is recorded on its own and the bare side replays them in turn: a quota
 * block is leased on some issuances only, and the bare side leases exactly as often.
 * BENCH_FRESH_TOKEN (default 1): each issuance brings a token never seen before, as CI jobs
 * do, so the app's cache of verified tokens never answers; the tokens are signed before each
 * batch, outside its timing (signing is the caller's CPU, not credvend's).
 * stdout carries only the app's log lines (the parent counts their bytes for the cost
 * model); the figures go to fd 3 as one JSON object.
 */
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { AssumeRoleCommand, type AssumeRoleCommandInput } from '@aws-sdk/client-sts';
import { type CryptoKey, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { entitlementToItem } from '../src/aws/entitlement-items.js';
import { createDynamoDbClient, createStsClient } from '../src/compose/clients.js';
import { createFunctions } from '../src/compose/functions.js';
import { loadConfig } from '../src/config.js';
import type { Entitlement } from '../src/domain/shared/types.js';
import { oidcSubject } from '../src/domain/subjects/subjects.js';
import { createStandIns, type RecordedCall } from './aws-stand-ins.js';
import { percentile } from './stats.js';

const BATCH = Number(process.env.BENCH_CPU_BATCH ?? 200);
const ROUNDS = Number(process.env.BENCH_CPU_ROUNDS ?? 10);
const WARMUP = Number(process.env.BENCH_CPU_WARMUP ?? 1000);
const FRESH_TOKEN = process.env.BENCH_FRESH_TOKEN !== '0';
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'bench-key-id', secretAccessKey: 'bench-secret-key' };

/** An issuer on loopback serving discovery and its JWKS; its tokens verify as real ones. */
async function startIssuer(): Promise<{ issuer: string; mint: () => Promise<string>; close: () => void }> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' };
  let issuer = '';
  const server = createServer((request, response) => {
    const body =
      request.url === '/jwks'
        ? { keys: [jwk] }
        : { issuer, jwks_uri: `${issuer}/jwks`, id_token_signing_alg_values_supported: ['ES256'] };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { issuer, mint: () => mintToken(issuer, privateKey), close: () => server.close() };
}

/** A token of its own: a fresh `jti` makes every token a different string, as CI jobs' are. */
function mintToken(issuer: string, privateKey: CryptoKey): Promise<string> {
  return new SignJWT({ email: 'cpu@example.com' })
    .setProtectedHeader({ alg: 'ES256', kid: 'bench', typ: 'JWT' })
    .setIssuer(issuer)
    .setAudience('credvend')
    .setSubject('cpu@example.com')
    .setJti(crypto.randomUUID())
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(privateKey);
}

function entitlementFor(issuer: string): Entitlement {
  return {
    id: 'bench-cpu',
    subject: oidcSubject(issuer, 'cpu@example.com'),
    accountId: '222222222222',
    roleArn: 'arn:aws:iam::222222222222:role/credvend-readonly',
    maxDurationSeconds: 3600,
    defaultDurationSeconds: 900,
    sessionPolicy: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetObject'], Resource: '*' }],
    },
    managedPolicyArns: [],
    tags: { team: 'bench' },
    claimTags: {},
    transitiveTagKeys: [],
    reasonRequired: false,
    effect: 'allow',
    version: 1,
  };
}

/** STS's query-protocol form back into the AssumeRole input the app sent. */
function assumeRoleInput(body: string): AssumeRoleCommandInput {
  const form = new URLSearchParams(body);
  const input: AssumeRoleCommandInput = {
    RoleArn: form.get('RoleArn') ?? '',
    RoleSessionName: form.get('RoleSessionName') ?? '',
  };
  const text = (name: string) => form.get(name) ?? undefined;
  if (form.has('DurationSeconds')) input.DurationSeconds = Number(form.get('DurationSeconds'));
  input.Policy = text('Policy');
  input.SourceIdentity = text('SourceIdentity');
  input.ExternalId = text('ExternalId');
  const tags: Array<{ Key: string; Value: string }> = [];
  for (let n = 1; form.has(`Tags.member.${n}.Key`); n++)
    tags.push({
      Key: form.get(`Tags.member.${n}.Key`) ?? '',
      Value: form.get(`Tags.member.${n}.Value`) ?? '',
    });
  if (tags.length > 0) input.Tags = tags;
  const transitive: string[] = [];
  for (let n = 1; form.has(`TransitiveTagKeys.member.${n}`); n++)
    transitive.push(form.get(`TransitiveTagKeys.member.${n}`) ?? '');
  if (transitive.length > 0) input.TransitiveTagKeys = transitive;
  const arns: Array<{ arn: string }> = [];
  for (let n = 1; form.has(`PolicyArns.member.${n}.arn`); n++)
    arns.push({ arn: form.get(`PolicyArns.member.${n}.arn`) ?? '' });
  if (arns.length > 0) input.PolicyArns = arns;
  return input;
}

interface BareClients {
  dynamodb: ReturnType<typeof createDynamoDbClient>;
  sts: ReturnType<typeof createStsClient>;
}

/**
 * The recorded calls as one function making the same SDK calls, in order, with clients
 * built by the app's own builders: the same options, nothing else of the app.
 */
function bareReplay(calls: readonly RecordedCall[], { dynamodb, sts }: BareClients) {
  const steps = calls.map((call): (() => Promise<unknown>) => {
    if (call.service === 'sts') {
      const input = assumeRoleInput(call.body);
      return () => sts.send(new AssumeRoleCommand(input));
    }
    const input = JSON.parse(call.body);
    switch (call.operation) {
      case 'Query':
        return () => dynamodb.send(new QueryCommand(input));
      case 'PutItem':
        return () => dynamodb.send(new PutItemCommand(input));
      case 'UpdateItem':
        return () => dynamodb.send(new UpdateItemCommand(input));
      case 'TransactWriteItems':
        return () => dynamodb.send(new TransactWriteItemsCommand(input));
      default:
        throw new Error(`no bare replay for DynamoDB ${call.operation}`);
    }
  });
  return async () => {
    for (const step of steps) await step();
  };
}

interface Side {
  latencies: number[];
  cpuMicros: number;
  wallMs: number;
  ops: number;
}

/** `prepare` runs before the timing starts: what the caller brings (its tokens). */
async function batch(
  side: Side,
  op: (i: number) => Promise<void>,
  prepare: () => Promise<void> = async () => {},
): Promise<void> {
  await prepare();
  const cpu = process.cpuUsage();
  const began = performance.now();
  for (let i = 0; i < BATCH; i++) {
    const t = performance.now();
    await op(i);
    side.latencies.push(performance.now() - t);
  }
  side.wallMs += performance.now() - began;
  const used = process.cpuUsage(cpu);
  side.cpuMicros += used.user + used.system;
  side.ops += BATCH;
}

const issuerHost = await startIssuer();
const standIns = createStandIns();
const entitlement = entitlementFor(issuerHost.issuer);
standIns.seed(entitlement.subject, [entitlementToItem(entitlement)]);
// As deployed (serverless.yml): quotas on at their defaults, log level info, no idempotency secret.
const config = loadConfig({
  AWS_REGION: REGION,
  CREDVEND_OIDC_ISSUER: issuerHost.issuer,
  CREDVEND_LOG_LEVEL: 'info',
  CREDVEND_CALLER_RATE_LIMIT: '60/60',
  CREDVEND_ENTITLEMENT_RATE_LIMIT: '600/60',
});
const { vend } = createFunctions(config, {
  kind: 'node',
  sourceIp: () => '203.0.113.7',
  credentials: CREDENTIALS,
  requestHandler: standIns.handler,
});
const body = JSON.stringify({ entitlement: entitlement.id });
const reused = await issuerHost.mint();
let tokens: string[] = [];
/** The batch's tokens: one each, or the one token every request reuses. */
const mintBatch = async (): Promise<void> => {
  tokens = FRESH_TOKEN ? await Promise.all(Array.from({ length: BATCH }, () => issuerHost.mint())) : [];
};
const issue = async (i: number): Promise<void> => {
  const token = tokens[i] ?? reused;
  const response = await vend.request('/v1/credentials', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body,
  });
  if (response.status !== 200) throw new Error(`vend answered ${response.status}: ${await response.text()}`);
  await response.arrayBuffer();
};

await mintBatch();
const recorded: RecordedCall[][] = [];
for (let i = 0; i < BATCH; i++) {
  const stop = standIns.record();
  await issue(i);
  recorded.push(stop());
}
const clients: BareClients = {
  dynamodb: createDynamoDbClient(config, CREDENTIALS, standIns.handler),
  sts: createStsClient(config, CREDENTIALS, standIns.handler),
};
const replays = recorded.map((calls) => bareReplay(calls, clients));
const bare = async (i: number): Promise<void> => {
  const replay = replays[i % replays.length];
  if (replay) await replay();
};
const callsPerIssuance: Record<string, number> = {};
for (const call of recorded.flat()) {
  const name = `${call.service}:${call.operation}`;
  callsPerIssuance[name] = (callsPerIssuance[name] ?? 0) + 1 / recorded.length;
}
for (let done = 0; done < WARMUP; done += BATCH) {
  await mintBatch();
  for (let i = 0; i < BATCH; i++) {
    await issue(i);
    await bare(i);
  }
}
const app: Side = { latencies: [], cpuMicros: 0, wallMs: 0, ops: 0 };
const sdk: Side = { latencies: [], cpuMicros: 0, wallMs: 0, ops: 0 };
for (let round = 0; round < ROUNDS; round++) {
  // Alternate which side goes first so neither always runs on a warmer or colder heap.
  if (round % 2 === 0) {
    await batch(app, issue, mintBatch);
    await batch(sdk, bare);
  } else {
    await batch(sdk, bare);
    await batch(app, issue, mintBatch);
  }
}
issuerHost.close();
const summary = (side: Side) => ({
  perSecond: side.ops / (side.wallMs / 1000),
  p50: percentile(side.latencies, 50),
  p99: percentile(side.latencies, 99),
  cpuMicrosPerOp: side.cpuMicros / side.ops,
});
const out = createWriteStream('', { fd: 3 });
out.end(
  JSON.stringify({
    app: summary(app),
    bare: summary(sdk),
    /** The first issuance's calls in order (it leases the quota blocks). */
    calls: (recorded[0] ?? []).map((c) => `${c.service}:${c.operation}`),
    callsPerIssuance,
    freshToken: FRESH_TOKEN,
    /** Every issuance this process made, to divide the log bytes the parent counted on stdout. */
    issuances: BATCH + Math.ceil(WARMUP / BATCH) * BATCH + app.ops,
  }),
);
