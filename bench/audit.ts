import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { auditEventToItem } from '../src/aws/audit-items.js';
import { DynamoDbAuditReader } from '../src/aws/dynamodb-audit-reader.js';
import { auditTableDefinition } from '../src/aws/table-schema.js';
import { loadConfig } from '../src/config.js';
import type { AuditOutcome, ChainedAuditEvent } from '../src/domain/audit/audit.js';
import type { AuditFilter, AuditPageRequest } from '../src/domain/audit/query.js';
import { newEventId } from '../src/domain/shared/ids.js';
import type { LocalEnvironment } from '../src/local/environment.js';
import { operatorDynamodb } from './composition.js';
import { percentile } from './stats.js';

const DAY_MS = 86_400_000;
const SPREAD_DAYS = 20;
const BATCH = 25;
const CONCURRENT_BATCHES = 8;
const PAGE = 100;
const DEEP = 5;
const RUNS = Number(process.env.BENCH_AUDIT_RUNS ?? 20);
const SMALL = 1000;
/**
 * Bench records end an hour before the bench starts and queries stop there, so pages hold
 * only bench records, not the (smaller) ones the issuance and load benches just wrote.
 */
const HOLDBACK_MS = 3_600_000;

// Bench identities are distinct from the demo ones: a marked issuer, a 9999… account
// range and bench-role-* names, so the bench's records are easy to tell apart.
const BENCH_ISSUER = 'https://bench-audit.credvend.invalid';
const PRINCIPALS = 200;
const ACCOUNTS = 50;
const ROLES = 100;
const principalOf = (i: number) => `${BENCH_ISSUER}#bench-user-${String(i).padStart(3, '0')}@example.com`;
const accountOf = (i: number) => `9999${String(i).padStart(8, '0')}`;
/** Role j lives in account j % ACCOUNTS, so accountId and roleArn of a record agree. */
const roleOf = (j: number) =>
  `arn:aws:iam::${accountOf(j % ACCOUNTS)}:role/bench-role-${String(j).padStart(3, '0')}`;

/**
 * Every dimension has one hot value holding 13 records in 20 (65 %), the rest spread
 * over the others. A realistic uniform spread would leave ~5 records per principal at
 * 1 000 records: the first page would not be full and there would be no deep page, so
 * the 1k/100k comparison would measure page fullness, not table size. With a hot value
 * both sizes serve full pages and page 6 exists already at 1 000 records.
 */
const hot = (i: number, offset: number) => (i + offset) % 20 < 13;

const ALPHANUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function accessKeyIdFor(serial: number): string {
  // ASIA + 16 characters, unique per serial (base-32 digits, zero-padded).
  let body = '';
  for (let n = serial; body.length < 16; n = Math.floor(n / 32)) body = ALPHANUM.charAt(n % 32) + body;
  return `ASIA${body}`;
}

function rand(n: number): number {
  return Math.floor(Math.random() * n);
}

/** One record of the real shape, built as credvend builds an issuance (or a denial, an error). */
function syntheticRecord(serial: number, now: number, chainId: string): ChainedAuditEvent {
  const date = new Date(now - HOLDBACK_MS - Math.random() * SPREAD_DAYS * DAY_MS);
  const time = date.toISOString();
  const principalIndex = hot(serial, 0) ? 0 : 1 + rand(PRINCIPALS - 1);
  const roleIndex = hot(serial, 7) ? 0 : 1 + rand(ROLES - 1);
  const roll = serial % 100;
  const outcome: AuditOutcome = roll < 90 ? 'issued' : roll < 97 ? 'denied' : 'error';
  const principal = principalOf(principalIndex);
  const user = `bench-user-${String(principalIndex).padStart(3, '0')}`;
  const roleArn = roleOf(roleIndex);
  const accountId = accountOf(roleIndex % ACCOUNTS);
  const entitlementId = `bench-ent-${String(roleIndex).padStart(3, '0')}`;
  const base: ChainedAuditEvent = {
    eventId: newEventId(date),
    time,
    day: time.slice(0, 10),
    action: 'credentials.issue',
    outcome,
    requestId: `bench-${serial}`,
    principal,
    authMethod: 'oidc',
    entitlementId,
    accountId,
    roleArn,
    sourceIp: `10.${serial % 256}.${(serial >> 8) % 256}.${rand(256)}`,
    userAgent: 'credvend-cli/0.1.0 node/20',
    chainId,
    seq: serial,
    prevHash: '0'.repeat(64),
    hash: '0'.repeat(64),
  };
  if (outcome === 'issued') {
    const sessionName = `${user}-${serial}`.slice(0, 64);
    return {
      ...base,
      sessionName,
      sourceIdentity: user,
      durationSeconds: 3600,
      expiration: new Date(date.getTime() + 3_600_000).toISOString(),
      accessKeyId: accessKeyIdFor(serial),
      assumedRoleArn: `arn:aws:sts::${accountId}:assumed-role/${roleArn.split('/').pop()}/${sessionName}`,
      packedPolicySize: 12,
      sessionPolicyChars: 240,
      sessionTags: { 'credvend:principal': user, 'credvend:entitlement': entitlementId },
      stsRequestId: newEventId(date),
    };
  }
  if (outcome === 'denied') {
    return { ...base, problemCode: 'not-entitled', detail: 'caller holds no matching entitlement' };
  }
  return { ...base, problemCode: 'sts-unavailable', detail: 'STS did not answer in time' };
}

async function writeBatch(client: DynamoDBClient, table: string, requests: WriteRequest[]): Promise<void> {
  let pending = requests;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** attempt)));
    if (attempt > 10) throw new Error(`${pending.length} items still unprocessed after ${attempt} attempts`);
    const output = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
    pending = output.UnprocessedItems?.[table] ?? [];
  }
}

interface Loader {
  /** When generation started: records lie in the 20 days before `now - HOLDBACK_MS`. */
  now: number;
  /** Loads `count` more records; returns seconds taken. */
  load(count: number): Promise<number>;
  loaded(): number;
  /** A few AccessKeyIds of loaded issued records, for the reverse lookup. */
  sampleKeys(): string[];
}

function createLoader(client: DynamoDBClient, table: string): Loader {
  const now = Date.now();
  const chainId = `bench-chain-${newEventId()}`;
  let serial = 0;
  const keys: string[] = [];
  return {
    now,
    loaded: () => serial,
    sampleKeys: () => keys,
    async load(count) {
      const end = serial + count;
      const start = performance.now();
      // Batches are generated on demand by the workers: memory stays at a few batches.
      const nextBatch = (): WriteRequest[] | undefined => {
        if (serial >= end) return undefined;
        const batch: WriteRequest[] = [];
        for (; batch.length < BATCH && serial < end; serial++) {
          const record = syntheticRecord(serial, now, chainId);
          if (record.accessKeyId && keys.length < 200 && serial % 97 === 0) keys.push(record.accessKeyId);
          batch.push({ PutRequest: { Item: auditEventToItem(record) } });
        }
        return batch;
      };
      await Promise.all(
        Array.from({ length: CONCURRENT_BATCHES }, async () => {
          for (let batch = nextBatch(); batch; batch = nextBatch()) await writeBatch(client, table, batch);
        }),
      );
      return (performance.now() - start) / 1000;
    },
  };
}

/** Times `small` and `large` alternately, swapping which goes first each run; returns both medians. */
async function alternating(
  runs: number,
  small: () => Promise<unknown>,
  large: () => Promise<unknown>,
): Promise<[number, number]> {
  const smallSamples: number[] = [];
  const largeSamples: number[] = [];
  const timed = async (fn: () => Promise<unknown>, samples: number[]) => {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  };
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      await timed(small, smallSamples);
      await timed(large, largeSamples);
    } else {
      await timed(large, largeSamples);
      await timed(small, smallSamples);
    }
  }
  return [percentile(smallSamples, 50), percentile(largeSamples, 50)];
}

/** One audit table as the bench loaded it: its reader, some of its key ids, its clock. */
interface Loaded {
  reader: DynamoDbAuditReader;
  keys: string[];
  now: number;
}

const FILTERS: Array<[label: string, filter: AuditFilter]> = [
  ['principal', { by: 'principal', value: principalOf(0) }],
  ['accountId', { by: 'accountId', value: accountOf(0) }],
  ['roleArn', { by: 'roleArn', value: roleOf(0) }],
  ['outcome', { by: 'outcome', value: 'issued' }],
  ['all', { by: 'all' }],
];

/** A filter's first page and page DEEP + 1 (if the results go that deep) on one table, warmed. */
interface PagePair {
  first: () => Promise<unknown>;
  deep?: () => Promise<unknown>;
  /** Records in the first and the deep page. */
  rows: [first: number, deep: number];
}

async function pagesOf(table: Loaded, filter: AuditFilter): Promise<PagePair> {
  const request: AuditPageRequest = {
    filter,
    from: new Date(table.now - 30 * DAY_MS).toISOString(),
    to: new Date(table.now - HOLDBACK_MS).toISOString(),
    limit: PAGE,
  };
  // Warm the JIT and the index's pages before timing.
  for (let i = 0; i < 5; i++) await table.reader.page(request);
  const firstRows = (await table.reader.page(request)).events.length;
  let cursor: string | undefined;
  for (let i = 0; i < DEEP; i++) {
    cursor = (await table.reader.page(cursor ? { ...request, cursor } : request)).nextCursor;
    if (!cursor) break;
  }
  const first = () => table.reader.page(request);
  if (!cursor) return { first, rows: [firstRows, 0] };
  const deepRequest = { ...request, cursor };
  for (let i = 0; i < 3; i++) await table.reader.page(deepRequest);
  const deepRows = (await table.reader.page(deepRequest)).events.length;
  return { first, deep: () => table.reader.page(deepRequest), rows: [firstRows, deepRows] };
}

function keyLookup(table: Loaded): () => Promise<void> {
  let k = 0;
  return async () => {
    const found = await table.reader.byAccessKey(table.keys[k++ % table.keys.length] ?? '');
    if (found.length !== 1) throw new Error(`byAccessKey found ${found.length} records, expected 1`);
  };
}

interface Compared {
  first: [number, number];
  deep: [number, number];
  /** Records per page on the small and the large table: [first, deep] each. */
  rows: [[number, number], [number, number]];
}

/** Every filter's first and deep page, and the key lookup, on both tables, in alternating order. */
async function measure(
  small: Loaded,
  large: Loaded,
): Promise<{ pages: Map<string, Compared>; byKey: [number, number] }> {
  const pages = new Map<string, Compared>();
  for (const [label, filter] of FILTERS) {
    const a = await pagesOf(small, filter);
    const b = await pagesOf(large, filter);
    const deep: [number, number] =
      a.deep && b.deep ? await alternating(RUNS, a.deep, b.deep) : [Number.NaN, Number.NaN];
    pages.set(label, { first: await alternating(RUNS, a.first, b.first), deep, rows: [a.rows, b.rows] });
  }
  const smallLookup = keyLookup(small);
  const largeLookup = keyLookup(large);
  for (let i = 0; i < 5; i++) {
    await smallLookup();
    await largeLookup();
  }
  return { pages, byKey: await alternating(RUNS, smallLookup, largeLookup) };
}

const fmt = (value: number) => (Number.isNaN(value) ? 'n/a' : value.toFixed(2));
const ratio = (small: number, large: number) =>
  Number.isNaN(small) || Number.isNaN(large) ? 'n/a' : `${(large / small).toFixed(2)}x`;

/**
 * Only pages of the same number of records are compared: a 2-record page beside a 100-record
 * one measures page fullness, not table size. Others show `n/c` and stay out of the range.
 */
function comparedRatio(times: [number, number], rows: [number, number], into: number[]): string {
  if (rows[0] !== rows[1] || rows[0] === 0) return Number.isNaN(times[0]) ? 'n/a' : 'n/c';
  into.push(times[1] / times[0]);
  return ratio(...times);
}

/**
 * Audit queries at scale: a table of 1 000 synthetic records of the real item shape and the
 * stack's audit table with N of them, loaded with BatchWriteItem; then the first page and a
 * page deep in the results timed per filter on both, in alternating order so warm-up
 * flatters neither. Every page is one key-condition Query on a GSI, so page time should not
 * grow with the table (target <= 1.5x).
 */
export async function benchAudit(environment: LocalEnvironment, records = 100_000): Promise<void> {
  const config = loadConfig(environment.credvendEnv);
  // The fixtures (a scratch table, 100 000 records) and their reads go as the operator: the
  // functions' roles may neither bulk-write the audit table nor touch a scratch one.
  const clients = { dynamodb: operatorDynamodb(environment) };
  const smallTable = `${config.tables.audit}-bench-${Date.now()}`;
  await clients.dynamodb.send(new CreateTableCommand(auditTableDefinition(smallTable)));
  const small = Math.min(SMALL, records);
  try {
    const smallLoader = createLoader(clients.dynamodb, smallTable);
    const largeLoader = createLoader(clients.dynamodb, config.tables.audit);
    const smallSeconds = await smallLoader.load(small);
    const largeSeconds = await largeLoader.load(records);
    const loaded = (loader: Loader, table: string): Loaded => ({
      reader: new DynamoDbAuditReader(clients.dynamodb, table),
      keys: loader.sampleKeys(),
      now: loader.now,
    });
    const { pages, byKey } = await measure(
      loaded(smallLoader, smallTable),
      loaded(largeLoader, config.tables.audit),
    );

    const tableItems = (
      await clients.dynamodb.send(new DescribeTableCommand({ TableName: config.tables.audit }))
    ).Table?.ItemCount;
    const s = `@${small}`;
    const l = `@${records}`;
    console.log(
      `\naudit queries, page of ${PAGE}, median of ${RUNS} in alternating order; deep = page ${DEEP + 1} via cursor`,
    );
    console.log(
      `  load  ${small} records in ${smallSeconds.toFixed(1)} s (${Math.round(small / smallSeconds)} records/s); ` +
        `${records} in ${largeSeconds.toFixed(1)} s (${Math.round(records / largeSeconds)} records/s)`,
    );
    const header = ['filter', `first ms ${s}`, l, 'ratio', `deep ms ${s}`, l, 'ratio', `rows ${s}`, l];
    const rows: string[][] = [header];
    const comparable: number[] = [];
    for (const [label, { first, deep, rows: pageRows }] of pages) {
      const [smallRows, largeRows] = pageRows;
      rows.push([
        label,
        fmt(first[0]),
        fmt(first[1]),
        comparedRatio(first, [smallRows[0], largeRows[0]], comparable),
        fmt(deep[0]),
        fmt(deep[1]),
        comparedRatio(deep, [smallRows[1], largeRows[1]], comparable),
        smallRows.join('/'),
        largeRows.join('/'),
      ]);
    }
    rows.push(['byAccessKey', fmt(byKey[0]), fmt(byKey[1]), ratio(byKey[0], byKey[1])]);
    const widths = header.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)));
    for (const row of rows) {
      console.log(
        `  ${row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ')}`,
      );
    }
    console.log(
      `  (target: ratio <= 1.5x; rows = records in first/deep page; the large table holds ${tableItems ?? '?'} items; range ends 1 h ago, so pages hold bench records only)`,
    );
    console.log(
      `  pages of equal size (${comparable.length} pairs; n/c = sizes differ, not compared): ${ratio(1, Math.min(...comparable))}-${ratio(1, Math.max(...comparable))}`,
    );
  } finally {
    await clients.dynamodb.send(new DeleteTableCommand({ TableName: smallTable }));
    clients.dynamodb.destroy();
  }
}
