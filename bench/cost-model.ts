/**
 * What a million issuances cost on AWS list prices (bench/prices.ts): API Gateway and Lambda
 * requests, Lambda duration at the vend function's memory on arm64 (own CPU measured by the
 * own-CPU case, scaled to Lambda's CPU share, plus a stated AWS round trip per sequential
 * call), DynamoDB read and write units as DynamoDB Local counts them for real issuances
 * with quotas on as deployed, and CloudWatch Logs ingestion of the lines an issuance writes.
 */
import type { ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamodbOf } from '../src/compose/composition.js';
import { createVendFunction } from '../src/compose/vend.js';
import type { LocalEnvironment } from '../src/local/environment.js';
import type { ColdStartFigures } from './cold-start.js';
import { benchComposition, freshEntitledCaller } from './composition.js';
import { isRecord, readServerlessYml } from './lambda-build.js';
import type { OwnCpuFigures } from './own-cpu.js';
import { FULL_VCPU_MB, memorySizeOf, PRICES } from './prices.js';
import { benchRejectionCost } from './rejection-cost.js';

/**
 * In-region round trips the model adds per sequential call: not measured here (no AWS from
 * this machine); typical p50 figures for small items, stated so they can be changed.
 */
const ROUND_TRIP_MS: Record<string, number> = {
  'dynamodb:Query': 5,
  'dynamodb:PutItem': 6,
  'dynamodb:UpdateItem': 6,
  'dynamodb:TransactWriteItems': 12,
  'sts:AssumeRole': 30,
};

/**
 * Lambda's own lines per invocation (START, END, REPORT with arm64 and init duration
 * fields), about this long each; CloudWatch Logs bills them like the function's lines.
 */
const LAMBDA_PLATFORM_LOG_BYTES = 90 + 75 + 230;

const READS = new Set(['QueryCommand', 'GetItemCommand', 'BatchGetItemCommand', 'ScanCommand']);

interface Capacity {
  read: number;
  write: number;
  /** Write units spent on global secondary indexes, within `write`. */
  indexWrite: number;
  calls: Map<string, number>;
}

function units(consumed: ConsumedCapacity | ConsumedCapacity[] | object | undefined): {
  total: number;
  index: number;
} {
  let total = 0;
  let index = 0;
  // Vector indexes report another shape; credvend has none.
  for (const c of [consumed ?? []].flat().filter((c): c is ConsumedCapacity => 'CapacityUnits' in c)) {
    total += c.CapacityUnits ?? 0;
    for (const gsi of Object.values(c.GlobalSecondaryIndexes ?? {})) index += gsi.CapacityUnits ?? 0;
  }
  return { total, index };
}

/**
 * Asks DynamoDB for every call's consumed capacity (INDEXES: the total, which includes the
 * indexes, and the per-index part) and adds it up. Added before the client's first call.
 */
function countCapacity(client: DynamoDBClient): Capacity {
  const capacity: Capacity = { read: 0, write: 0, indexWrite: 0, calls: new Map() };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      Object.assign(args.input, { ReturnConsumedCapacity: 'INDEXES' });
      const result = await next(args);
      const name = context.commandName ?? '?';
      capacity.calls.set(name, (capacity.calls.get(name) ?? 0) + 1);
      const output = result.output;
      if (typeof output === 'object' && output !== null && 'ConsumedCapacity' in output) {
        const { total, index } = units(output.ConsumedCapacity);
        if (READS.has(name)) capacity.read += total;
        else {
          capacity.write += total;
          capacity.indexWrite += index;
        }
      }
      return result;
    },
    { step: 'initialize', name: 'benchConsumedCapacity' },
  );
  return capacity;
}

/** The API's access log line for one issuance, from serverless.yml's format with typical values. */
async function accessLogBytes(): Promise<number> {
  const document = await readServerlessYml();
  const provider = isRecord(document) ? document.provider : undefined;
  const logs = isRecord(provider) ? provider.logs : undefined;
  const httpApi = isRecord(logs) ? logs.httpApi : undefined;
  const format = isRecord(httpApi) && typeof httpApi.format === 'string' ? httpApi.format : '';
  const typical: Record<string, string> = {
    requestId: 'Xq1ZtgvLoAMEbyw=',
    'identity.sourceIp': '203.0.113.7',
    'identity.userAgent': 'aws-cli/2.17.0 md/awscrt#0.20.11 ua/2.0 os/linux#6.8 md/arch#x86_64',
    requestTime: '26/Nov/2026:14:03:12 +0000',
    routeKey: 'POST /v1/credentials',
    status: '200',
    protocol: 'HTTP/1.1',
    responseLength: '1530',
    responseLatency: '62',
  };
  return Buffer.byteLength(format.replace(/\$context\.([\w.]+)/g, (_, key: string) => typical[key] ?? '-'));
}

/** A caller of its own with quotas on as deployed: earlier cases cannot have spent them. */
async function issueWithCapacity(environment: LocalEnvironment, count: number): Promise<Capacity> {
  const root = benchComposition(environment, {
    CREDVEND_CALLER_RATE_LIMIT: '60/60',
    CREDVEND_ENTITLEMENT_RATE_LIMIT: '600/60',
  });
  const dynamodb = dynamodbOf(root);
  // Before the client's first call: it caches each command's middleware (clients.ts).
  const capacity = countCapacity(dynamodb);
  const { sub, entitlement } = await freshEntitledCaller(
    environment,
    dynamodb,
    root.config.tables.entitlements,
    'cost',
  );
  capacity.read = 0;
  capacity.write = 0;
  capacity.indexWrite = 0;
  capacity.calls.clear();
  const app = createVendFunction(root);
  const token = await environment.mintToken(sub);
  for (let i = 0; i < count; i++) {
    const response = await app.request('/v1/credentials', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ entitlement: entitlement.id }),
    });
    if (response.status !== 200) throw new Error(`cost model issuance answered ${response.status}`);
    await response.arrayBuffer();
  }
  return capacity;
}

/** Round trips one issuance waits for: calls made together (the Queries) wait once. */
function roundTripMs(calls: readonly string[]): number {
  return [...new Set(calls)].reduce((sum, call) => sum + (ROUND_TRIP_MS[call] ?? 10), 0);
}

const usd = (value: number) => `$${value.toFixed(2)}`;

export async function benchCostModel(
  environment: LocalEnvironment,
  ownCpu: OwnCpuFigures,
  coldStart: ColdStartFigures | undefined,
  requests: number,
): Promise<number> {
  const count = Math.min(50, requests);
  const capacity = await issueWithCapacity(environment, count);
  const memoryMb = await memorySizeOf('vend');
  const cpuMs = ownCpu.app.cpuMicrosPerOp / 1000;
  const waitMs = roundTripMs(ownCpu.calls);
  const durationAt = (mb: number) => cpuMs * Math.max(1, FULL_VCPU_MB / mb) + waitMs;
  const durationCost = (mb: number) =>
    (Math.ceil(durationAt(mb)) / 1000) * (mb / 1024) * PRICES.lambdaArmPerGbSecond * 1e6;
  const writeUnits = capacity.write / count;
  const readUnits = capacity.read / count;
  const logBytes = ownCpu.logBytesPerIssuance + LAMBDA_PLATFORM_LOG_BYTES + (await accessLogBytes());
  const parts: Array<[string, number, string]> = [
    ['API Gateway HTTP API requests', PRICES.httpApiPerMillion, '1 request'],
    ['Lambda requests', PRICES.lambdaRequestsPerMillion, '1 invocation'],
    [
      'Lambda duration',
      durationCost(memoryMb),
      `${durationAt(memoryMb).toFixed(1)} ms at ${memoryMb} MB: ${cpuMs.toFixed(2)} ms own CPU x ${Math.max(1, FULL_VCPU_MB / memoryMb).toFixed(2)} (CPU share) + ${waitMs} ms AWS round trips`,
    ],
    [
      'DynamoDB writes',
      writeUnits * PRICES.dynamodbPerMillionWriteUnits,
      `${writeUnits.toFixed(1)} write units, ${(capacity.indexWrite / count).toFixed(1)} of them for GSIs`,
    ],
    ['DynamoDB reads', readUnits * PRICES.dynamodbPerMillionReadUnits, `${readUnits.toFixed(1)} read units`],
    [
      'CloudWatch Logs ingestion',
      (logBytes * 1e6 * PRICES.cloudWatchLogsIngestionPerGb) / 1e9,
      `${logBytes.toFixed(0)} bytes: function ${ownCpu.logBytesPerIssuance.toFixed(0)}, Lambda platform ${LAMBDA_PLATFORM_LOG_BYTES}, API access log`,
    ],
  ];
  const total = parts.reduce((sum, [, cost]) => sum + cost, 0);
  console.log(
    `\ncost model per million issuances (${PRICES.region} list prices of ${PRICES.date}, bench/prices.ts; arm64)`,
  );
  for (const [name, cost, why] of parts) console.log(`  ${name.padEnd(30)} ${usd(cost).padStart(6)}  ${why}`);
  console.log(`  ${'total'.padEnd(30)} ${usd(total).padStart(6)}  (target <= $4.00)`);
  const calls = [...capacity.calls].map(([name, n]) => `${name} x${(n / count).toFixed(1)}`).join(', ');
  console.log(`  DynamoDB calls per issuance (${count} issued against DynamoDB Local, quotas on): ${calls}`);
  console.log(
    `  AWS round trips assumed: ${Object.entries(ROUND_TRIP_MS)
      .map(([k, v]) => `${k} ${v} ms`)
      .join(', ')}`,
  );
  console.log('  memory size: duration cost and modelled time per issuance (and cold-start import)');
  for (const mb of [256, 512, 1024, 1769]) {
    const cold = coldStart
      ? `, import ${(coldStart.vendImportMs * Math.max(1, FULL_VCPU_MB / mb)).toFixed(0)} ms`
      : '';
    console.log(
      `    ${String(mb).padStart(4)} MB${mb === memoryMb ? ' (configured)' : ''}: ${usd(durationCost(mb))}, ${durationAt(mb).toFixed(1)} ms${cold}`,
    );
  }
  await benchRejectionCost(environment, requests, memoryMb);
  return total;
}
