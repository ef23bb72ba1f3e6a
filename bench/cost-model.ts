/**
 * What a million issuances cost on AWS list prices (bench/prices.ts), every billed thing an
 * issuance causes, for OIDC and AWS-signature callers, with the audit event stream off and on:
 * API Gateway and Lambda requests; Lambda duration at the vend function's memory on arm64 (own
 * CPU measured by the own-CPU case, scaled to Lambda's CPU share, plus a stated AWS round trip
 * per sequential call; cold starts amortised); DynamoDB read and write units as DynamoDB Local
 * counts them for real issuances with quotas on as deployed (bench/capacity.ts), and the
 * audit record's storage for a stated month; CloudWatch Logs ingestion and storage; data
 * transfer out; the stream's EventBridge event and stream function; the digest job's KMS,
 * S3 and Lambda per month, spread over a stated monthly volume. Figures that are assumptions
 * (round trips, volume, batch sizes) are constants here, printed with the result.
 */
import type { LocalEnvironment } from '../src/local/environment.js';
import {
  type CallerKind,
  type CapacityFigures,
  capacityStackOf,
  measureIssuances,
  type Pattern,
} from './capacity.js';
import type { ColdStartFigures } from './cold-start.js';
import { isRecord, readServerlessYml } from './lambda-build.js';
import type { OwnCpuFigures } from './own-cpu.js';
import { defaultParamDays, FULL_VCPU_MB, logRetentionDays, memorySizeOf, PRICES } from './prices.js';
import { benchRejectionCost } from './rejection-cost.js';

/**
 * In-region round trips per sequential call: not measured here (no AWS from this machine);
 * typical p50 figures for small items, stated so they can be changed. Calls made together
 * (the Queries, the leases) wait once.
 */
const ROUND_TRIP_MS: Record<string, number> = {
  'dynamodb:Query': 5,
  'dynamodb:PutItem': 6,
  'dynamodb:UpdateItem': 6,
  'dynamodb:TransactWriteItems': 12,
  'sts:AssumeRole': 30,
  'sts:GetCallerIdentity': 15,
};

/** Assumptions for what is spread over many issuances. */
const ASSUMED = {
  /** A medium organization: about 2 issuances a second on average. */
  issuancesPerMonth: 5_000_000,
  /** One container starts per this many issuances (Lambda keeps warm containers minutes). */
  issuancesPerColdStart: 1000,
  /** A cold start's waits beyond its CPU: TLS to DynamoDB and STS, the issuer's discovery and JWKS. */
  coldStartNetworkMs: 250,
  /** The stream function's time per invocation: one PutEvents round trip and its own CPU. */
  streamInvocationMs: 25,
  /**
   * The digest job per run: reads chain heads, one KMS Sign, two S3 PUTs (digest, latest); and
   * the export of the run's records (about 600 at this volume): three PUTs (data file, manifest,
   * latest), one read unit per record (BatchGetItem, strongly consistent) and the time to read
   * and gzip them.
   */
  digestRunMs: 600,
  digestS3PutsPerRun: 5,
  /** KMS keys billed monthly: the digest signing key and the log groups' key. */
  kmsKeys: 2,
  /** CloudWatch Logs stores compressed data; billed on about this share of the ingested bytes. */
  logsStoredShare: 0.15,
};

/** Lambda's own lines per invocation (START, END, REPORT with arm64 and init fields). */
const LAMBDA_PLATFORM_LOG_BYTES = 90 + 75 + 230;

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

/** Round trips one issuance waits for, from the calls it makes. */
function roundTripMs(calls: Iterable<string>): number {
  return [...new Set(calls)].reduce((sum, call) => sum + (ROUND_TRIP_MS[call] ?? 10), 0);
}

const gbSeconds = (ms: number, mb: number) => (ms / 1000) * (mb / 1024);
const usd = (value: number) => `$${value.toFixed(2)}`;
const perMillion = (monthly: number) => (monthly * 1e6) / ASSUMED.issuancesPerMonth;

type Part = [name: string, cost: number, why: string];

interface Inputs {
  kind: CallerKind;
  capacity: CapacityFigures;
  ownCpu: OwnCpuFigures;
  coldStart: ColdStartFigures | undefined;
  vendMb: number;
  streamMb: number;
  digestMb: number;
  accessLog: number;
  retentionDays: number;
  /** The audit's hot window (auditHotDays) and how long Object Lock keeps the export (digestRetentionDays). */
  hotDays: number;
  exportRetentionDays: number;
  streamBatching: { batchSize: number; windowSeconds: number };
}

/** The vend function's share: API, Lambda, DynamoDB, logs, data transfer. */
function vendParts(i: Inputs): Part[] {
  const share = Math.max(1, FULL_VCPU_MB / i.vendMb);
  const cpuMs = i.ownCpu.app.cpuMicrosPerOp / 1000;
  const awsCalls = [
    ...new Set(i.ownCpu.calls.filter((c) => c !== 'dynamodb:UpdateItem')),
    ...(i.kind === 'aws' ? ['sts:GetCallerIdentity'] : []),
  ];
  // A lease is a round trip only for the issuances that lease.
  const leaseWaitMs =
    (i.capacity.calls.get('UpdateItemCommand') ?? 0) * (ROUND_TRIP_MS['dynamodb:UpdateItem'] ?? 0);
  const warmMs = cpuMs * share + roundTripMs(awsCalls) + leaseWaitMs;
  const coldMs = i.coldStart ? i.coldStart.vendFirstIssuanceCpuMs * share + ASSUMED.coldStartNetworkMs : 0;
  const durationMs = Math.ceil(warmMs) + coldMs / ASSUMED.issuancesPerColdStart;
  const logBytes = i.ownCpu.logBytesPerIssuance + LAMBDA_PLATFORM_LOG_BYTES + i.accessLog;
  const storedGb = (i.capacity.storedBytes * 1e6) / 1e9;
  return [
    ['API Gateway HTTP API requests', PRICES.httpApiPerMillion, '1 request'],
    ['Lambda requests', PRICES.lambdaRequestsPerMillion, '1 invocation'],
    [
      'Lambda duration',
      gbSeconds(durationMs, i.vendMb) * PRICES.lambdaArmPerGbSecond * 1e6,
      `${durationMs.toFixed(1)} ms at ${i.vendMb} MB: ${cpuMs.toFixed(2)} ms own CPU x ${share.toFixed(2)} + ${(warmMs - cpuMs * share).toFixed(0)} ms AWS round trips; a cold start (${coldMs.toFixed(0)} ms) per ${ASSUMED.issuancesPerColdStart}`,
    ],
    [
      'DynamoDB writes',
      i.capacity.writeUnits * PRICES.dynamodbPerMillionWriteUnits,
      `${i.capacity.writeUnits.toFixed(2)} write units: ${i.capacity.indexWriteUnits.toFixed(1)} for indexes, leases ${(i.capacity.calls.get('UpdateItemCommand') ?? 0).toFixed(2)}`,
    ],
    [
      'DynamoDB reads',
      i.capacity.readUnits * PRICES.dynamodbPerMillionReadUnits,
      `${i.capacity.readUnits.toFixed(1)} read units`,
    ],
    [
      'DynamoDB storage',
      storedGb * PRICES.dynamodbStoragePerGbMonth * (i.hotDays / 30),
      `${i.capacity.storedBytes} bytes per record with index entries, the hot window (${i.hotDays} days) only`,
    ],
    [
      'audit export (S3, reads)',
      ((i.capacity.exportBytes * 1e6) / 1e9) * PRICES.s3StandardPerGbMonth * (i.exportRetentionDays / 30) +
        PRICES.dynamodbPerMillionReadUnits,
      `${i.capacity.exportBytes.toFixed(0)} bytes per record gzipped, S3 Standard for the Object Lock retention (${i.exportRetentionDays} days); 1 read unit to export it`,
    ],
    [
      'CloudWatch Logs',
      (logBytes / 1e3) *
        (PRICES.cloudWatchLogsIngestionPerGb +
          PRICES.cloudWatchLogsStoragePerGbMonth * ASSUMED.logsStoredShare * (i.retentionDays / 30)),
      `${logBytes.toFixed(0)} bytes (function ${i.ownCpu.logBytesPerIssuance.toFixed(0)}, platform ${LAMBDA_PLATFORM_LOG_BYTES}, access log ${i.accessLog}), kept ${i.retentionDays} days`,
    ],
    [
      'data transfer out',
      (i.capacity.responseBytes / 1e3) * PRICES.dataTransferOutPerGb,
      `${i.capacity.responseBytes.toFixed(0)} response bytes`,
    ],
  ];
}

/** The stream function's batching, from serverless.yml: records wait up to the window, at most batchSize. */
async function streamBatching(): Promise<{ batchSize: number; windowSeconds: number }> {
  const document = await readServerlessYml();
  const functions = isRecord(document) ? document.functions : undefined;
  const stream = isRecord(functions) ? functions.stream : undefined;
  const events = isRecord(stream) && Array.isArray(stream.events) ? stream.events : [];
  const settings = events.map((e) => (isRecord(e) ? e.stream : undefined)).find(isRecord) ?? {};
  return {
    batchSize: typeof settings.batchSize === 'number' ? settings.batchSize : 100,
    windowSeconds: typeof settings.batchWindow === 'number' ? settings.batchWindow : 0,
  };
}

/** Records per stream invocation at the assumed average rate: Lambda polls a shard 4 times a second. */
function recordsPerInvocation(batching: { batchSize: number; windowSeconds: number }): number {
  const perSecond = ASSUMED.issuancesPerMonth / (30 * 24 * 3600);
  return Math.min(batching.batchSize, Math.max(1, perSecond * Math.max(0.25, batching.windowSeconds)));
}

/** The audit event stream: one EventBridge event per record, and the stream function. */
function streamParts(i: Inputs): Part[] {
  const records = recordsPerInvocation(i.streamBatching);
  const invocations = 1 / records;
  return [
    ['EventBridge events', PRICES.eventBridgeCustomEventsPerMillion, '1 custom event per audit record'],
    [
      'stream function',
      invocations *
        (PRICES.lambdaRequestsPerMillion +
          gbSeconds(ASSUMED.streamInvocationMs, i.streamMb) * PRICES.lambdaArmPerGbSecond * 1e6 +
          (LAMBDA_PLATFORM_LOG_BYTES / 1e3) * PRICES.cloudWatchLogsIngestionPerGb),
      `${records.toFixed(1)} records per invocation (batching window ${i.streamBatching.windowSeconds} s), ${ASSUMED.streamInvocationMs} ms at ${i.streamMb} MB; stream reads by Lambda are free`,
    ],
  ];
}

/** The digest job and the KMS keys: monthly, spread over the assumed monthly volume. */
function fixedParts(i: Inputs): Part[] {
  const runs = (30 * 24 * 60) / 5;
  const monthly =
    runs *
      ((PRICES.kmsAsymmetricPer10kRequests / 1e4) * 1 +
        (PRICES.s3PutPer1000 / 1e3) * ASSUMED.digestS3PutsPerRun +
        PRICES.lambdaRequestsPerMillion / 1e6 +
        gbSeconds(ASSUMED.digestRunMs, i.digestMb) * PRICES.lambdaArmPerGbSecond) +
    ASSUMED.kmsKeys * PRICES.kmsKeyPerMonth;
  return [
    [
      'digests and KMS keys',
      perMillion(monthly),
      `${usd(monthly)} a month (${runs} runs of rate(5 minutes): KMS Sign, ${ASSUMED.digestS3PutsPerRun} S3 PUTs, Lambda; ${ASSUMED.kmsKeys} keys) over ${ASSUMED.issuancesPerMonth / 1e6} M issuances a month`,
    ],
  ];
}

function print(title: string, parts: Part[], streamCost: number): number {
  const total = parts.reduce((sum, [, cost]) => sum + cost, 0);
  console.log(`  ${title}`);
  for (const [name, cost, why] of parts)
    console.log(`    ${name.padEnd(30)} ${usd(cost).padStart(6)}  ${why}`);
  console.log(
    `    ${'total, stream off'.padEnd(30)} ${usd(total).padStart(6)}  (target <= $3.00: ${total <= 3 ? 'met' : 'missed'})`,
  );
  console.log(`    ${'total, stream on'.padEnd(30)} ${usd(total + streamCost).padStart(6)}`);
  return total;
}

/** STS's AssumeRole quota per account and region, about; what one role must be able to take. */
const STS_ASSUME_ROLE_PER_SECOND = 600;
/** DynamoDB's write ceiling per partition (of a table or an index). */
const PARTITION_WRITE_UNITS_PER_SECOND = 1000;

/**
 * Scale: the audit index partitions one busy role, account or caller writes with every
 * issuance, and how many issuances a second that one role can take before one throttles
 * (which fails the audit write, so the issuance fails closed). Quota counters are written
 * once per leased block, not per issuance, so none of them is near the ceiling.
 */
function printScale(capacity: CapacityFigures | undefined): void {
  if (!capacity) return;
  console.log(
    `  scale: index partitions one role, account or caller writes on every issuance (DynamoDB: ${PARTITION_WRITE_UNITS_PER_SECOND} write units/s per partition; STS: about ${STS_ASSUME_ROLE_PER_SECOND} AssumeRole/s per account)`,
  );
  if (capacity.sharedPartitions.length === 0)
    console.log('    none: every index key is spread (sharded or unique)');
  for (const p of capacity.sharedPartitions) {
    const ceiling = PARTITION_WRITE_UNITS_PER_SECOND / p.writeUnits;
    console.log(
      `    ${p.index} (one ${p.by}): ${p.writeUnits} write unit per issuance, ceiling ${ceiling.toFixed(0)} issuances/s of one ${p.by}: ${ceiling >= STS_ASSUME_ROLE_PER_SECOND ? 'above STS, ok' : 'HOT below STS'}`,
    );
  }
  console.log(
    `    quota counters: one lease per block (1/6 of a caller's issuances, 1/60 of an entitlement's) per container: at ${STS_ASSUME_ROLE_PER_SECOND}/s of one entitlement, ${STS_ASSUME_ROLE_PER_SECOND / 60} writes/s to its counter`,
  );
}

export interface CostFigures {
  oidc: number;
  aws: number;
  stream: number;
  writeUnits: { oidc: number; aws: number };
}

export async function benchCostModel(
  environment: LocalEnvironment,
  ownCpu: OwnCpuFigures,
  coldStart: ColdStartFigures | undefined,
  requests: number,
): Promise<CostFigures> {
  const stack = capacityStackOf(environment);
  const count = Math.min(40, requests);
  // Sparse first: the AWS caller is one moto user, and its caller quota (60 a minute) is shared.
  const measured = new Map<string, CapacityFigures>();
  for (const [kind, pattern, n] of [
    ['oidc', 'sparse', 3],
    ['aws', 'sparse', 2],
    ['oidc', 'busy', count],
    ['aws', 'busy', count],
  ] as Array<[CallerKind, Pattern, number]>) {
    measured.set(`${kind} ${pattern}`, await measureIssuances(stack, kind, pattern, n));
  }
  const base = {
    ownCpu,
    coldStart,
    vendMb: await memorySizeOf('vend'),
    streamMb: await memorySizeOf('stream'),
    digestMb: await memorySizeOf('digest'),
    accessLog: await accessLogBytes(),
    retentionDays: await logRetentionDays(),
    hotDays: await defaultParamDays('auditHotDays'),
    exportRetentionDays: await defaultParamDays('digestRetentionDays'),
    streamBatching: await streamBatching(),
  };
  console.log(
    `\ncost model per million issuances (${PRICES.region} list prices of ${PRICES.date}, bench/prices.ts; arm64; DynamoDB Local counted ${count} issuances per caller kind, quotas as deployed)`,
  );
  const totals = new Map<string, number>();
  let stream = 0;
  for (const kind of ['oidc', 'aws'] as const) {
    const inputs = (pattern: Pattern): Inputs => {
      const capacity = measured.get(`${kind} ${pattern}`);
      if (!capacity) throw new Error(`not measured: ${kind} ${pattern}`);
      return { ...base, kind, capacity };
    };
    const busy = inputs('busy');
    stream = streamParts(busy).reduce((sum, [, cost]) => sum + cost, 0);
    const label = kind === 'oidc' ? 'OIDC callers' : 'AWS-signature callers (signed GetCallerIdentity)';
    totals.set(kind, print(`${label}, a busy caller:`, [...vendParts(busy), ...fixedParts(busy)], stream));
    const sparse = inputs('sparse');
    const sparseTotal = [...vendParts(sparse), ...fixedParts(sparse)].reduce(
      (sum, [, cost]) => sum + cost,
      0,
    );
    console.log(
      `    a caller issuing once per quota window (every bucket leases for it): ${sparse.capacity.writeUnits.toFixed(2)} write units, total ${usd(sparseTotal)} stream off, ${usd(sparseTotal + stream)} on`,
    );
  }
  console.log('  the audit event stream (on: one event per record, the stream function)');
  for (const [name, cost, why] of streamParts({
    ...base,
    kind: 'oidc',
    capacity: [...measured.values()][0] as CapacityFigures,
  }))
    console.log(`    ${name.padEnd(30)} ${usd(cost).padStart(6)}  ${why}`);
  const calls = [...(measured.get('oidc busy')?.calls ?? [])].map(([name, n]) => `${name} x${n.toFixed(2)}`);
  console.log(`  DynamoDB calls per OIDC issuance: ${calls.join(', ')}`);
  console.log(
    `  assumed: round trips ${Object.entries(ROUND_TRIP_MS)
      .map(([k, v]) => `${k} ${v} ms`)
      .join(', ')}; ${Object.entries(ASSUMED)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  printScale(measured.get('oidc busy'));
  console.log('  vend memory size: duration cost per million and modelled warm time');
  const cpuMs = ownCpu.app.cpuMicrosPerOp / 1000;
  for (const mb of [256, 512, 1024, 1769]) {
    const ms = cpuMs * Math.max(1, FULL_VCPU_MB / mb) + roundTripMs(ownCpu.calls);
    console.log(
      `    ${String(mb).padStart(4)} MB${mb === base.vendMb ? ' (configured)' : ''}: ${usd(gbSeconds(Math.ceil(ms), mb) * PRICES.lambdaArmPerGbSecond * 1e6)}, ${ms.toFixed(1)} ms`,
    );
  }
  await benchRejectionCost(environment, requests, base.vendMb);
  return {
    oidc: totals.get('oidc') ?? 0,
    aws: totals.get('aws') ?? 0,
    stream,
    writeUnits: {
      oidc: measured.get('oidc busy')?.writeUnits ?? 0,
      aws: measured.get('aws busy')?.writeUnits ?? 0,
    },
  };
}
