import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import {
  CreateTableCommand,
  DeleteTableCommand,
  type DynamoDBClient,
  PutItemCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEventToItem } from '../../src/aws/audit-items.js';
import { DynamoDbAuditSink } from '../../src/aws/dynamodb-audit-sink.js';
import { auditTableDefinition } from '../../src/aws/table-schema.js';
import type { ChainedAuditEvent } from '../../src/domain/audit/audit.js';
import { ChainedAuditLog } from '../../src/domain/audit/chain.js';
import { newEventId } from '../../src/domain/shared/ids.js';
import { mapLimited } from '../../src/domain/shared/map-limited.js';
import { auditExportLineWire, auditPageWire, verificationReportWire } from '../../src/wire/audit.js';
import { problemWire } from '../../src/wire/problem.js';
import { anyAuditEvent, everyKindOfEvent, stamp, type UnstampedEvent } from '../fixtures/audit-records.js';
import { readWire } from '../fixtures/read-wire.js';
import { verifyOffline, writeDigestPublicKey } from './offline-verify.js';
import {
  type AuditStack,
  auditApp,
  devToken,
  dynamodb,
  type Identities,
  identitiesOnAuditTable,
  newAuditStack,
  stack,
} from './support.js';

/**
 * Issue 22.3: every record of every kind the code writes is read back unchanged through
 * DynamoDB, every audit lookup and filter, the NDJSON export, and `credvend audit verify-offline`
 * against the digests the real digest job signed (moto KMS and S3).
 */

const FILTERS = [
  ['principal', 'principal'],
  ['accountId', 'accountId'],
  ['roleArn', 'roleArn'],
  ['outcome', 'outcome'],
  ['accessRequestId', 'accessRequest'],
] as const;

/** Lookups and listings in flight at once (each listing reads its partitions eight at a time). */
const LOOKUPS_AT_ONCE = 4;

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const _run = promisify(execFile);

async function newTable(client: DynamoDBClient, name: string): Promise<void> {
  await client.send(new CreateTableCommand(auditTableDefinition(name)));
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1 }, { TableName: name });
}

/** A sink that also keeps what it stored, in order. */
function recordingSink(client: DynamoDBClient, table: string, written: ChainedAuditEvent[]) {
  const sink = new DynamoDbAuditSink(client, table);
  return {
    putNew: async (record: ChainedAuditEvent) => {
      await sink.putNew(record);
      written.push(record);
    },
  };
}

/** The digests under `prefix` as `aws s3 sync` lays them out, and the public key as the CLI saves it. */
async function downloadAnchoring(dir: string, bucket: string, prefix: string): Promise<string[]> {
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: stack().stsEndpoint,
    credentials: stack().operator,
    forcePathStyle: true,
  });
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  for (const { Key } of listed.Contents ?? []) {
    if (!Key?.startsWith(prefix)) continue;
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
    await mkdir(dirname(join(dir, 'digests', Key)), { recursive: true });
    await writeFile(join(dir, 'digests', Key), (await object.Body?.transformToString()) ?? '');
  }
  await writeDigestPublicKey(join(dir, 'key.b64'));
  return ['--digests', join(dir, 'digests'), '--public-key', join(dir, 'key.b64')];
}

describe('every kind of audit record round-trips through the API, the export and verify-offline', () => {
  // This stack's own table and digest bucket: the template's bucket policy lets only its digest role write.
  let audit: AuditStack;
  const written: ChainedAuditEvent[] = [];
  let log: ChainedAuditLog;
  const started = new Date(Date.now() - 1000).toISOString();
  let auditor: string;
  let dir: string;
  let digestJob: ReturnType<AuditStack['digestJob']>;
  // The audit function as deployed for this table: wired once, as a warm Lambda is.
  let app: ReturnType<typeof auditApp>;
  const get = (path: string) => app.request(path, { headers: { authorization: `Bearer ${auditor}` } });
  const range = () => `from=${started}&to=${new Date(Date.now() + 1000).toISOString()}`;

  beforeAll(async () => {
    auditor = await devToken('auditor@example.com');
    dir = await mkdtemp(join(tmpdir(), 'credvend-roundtrip-'));
    // The template's audit and digest roles, deployed for this test's audit table.
    audit = await newAuditStack('roundtrip');
    log = new ChainedAuditLog(recordingSink(audit.client, audit.table, written), () => newEventId(), 3);
    digestJob = audit.digestJob();
    app = auditApp(audit.config, audit.identities);
  }, 60_000);
  afterAll(async () => {
    await audit?.client.send(new DeleteTableCommand({ TableName: audit.table }));
    await rm(dir, { recursive: true, force: true });
  });

  /** Every record of a listing, following its cursor to the end. */
  async function listAll(query: string): Promise<unknown[]> {
    const events: unknown[] = [];
    let cursor: string | undefined;
    do {
      const response = await get(`/v1/audit/events?${query}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
      expect(response.status).toBe(200);
      const body: unknown = await response.clone().json();
      const page = auditPageWire.parse(body);
      expect(page.unreadable).toBeUndefined();
      events.push(...(body as { events: unknown[] }).events);
      cursor = page.nextCursor && encodeURIComponent(page.nextCursor);
    } while (cursor);
    return events;
  }

  /** Appends as one writer would (times in order), then checks every lookup and the filters. */
  async function writeAndRead(events: readonly UnstampedEvent[]): Promise<void> {
    const records = stamp(events, new Date());
    const from = written.length;
    for (const record of records) await log.append(record);
    const mine = written.slice(from);
    await sleep(Math.max(0, Date.parse(records.at(-1)?.time ?? '') - Date.now()) + 2);
    // Each record through one filter it carries, in turn: every filter is read many times over.
    // Records naming the same filter value are looked for in one listing of it. The lookups and
    // listings are independent reads: a few at a time, as auditors' requests would be.
    const lookups = await mapLimited(mine, LOOKUPS_AT_ONCE, async (record) => {
      const one = await get(`/v1/audit/events/${record.eventId}`);
      return { status: one.status, body: await one.json() };
    });
    const byFilter = new Map<string, ChainedAuditEvent[]>();
    for (const [index, record] of mine.entries()) {
      expect(lookups[index]?.status).toBe(200);
      expect(lookups[index]?.body).toEqual(record);
      const [field, param] = FILTERS.filter(([f]) => record[f] !== undefined)[index % 5] ?? FILTERS[0];
      const query = `${param}=${encodeURIComponent(record[field] ?? '')}`;
      byFilter.set(query, [...(byFilter.get(query) ?? []), record]);
    }
    const groups = [...byFilter];
    const listings = await mapLimited(groups, LOOKUPS_AT_ONCE, ([query]) => listAll(`${query}&${range()}`));
    for (const [k, [, records]] of groups.entries())
      for (const record of records) expect(listings[k]).toContainEqual(record);
  }

  it('generated records: each lookup and filter gives back exactly what was written', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyAuditEvent, { minLength: 1, maxLength: 8 }), async (events) => {
        await writeAndRead(events);
        expect(await digestJob()).toBeDefined();
      }),
      { numRuns: 5 },
    );
    await writeAndRead(everyKindOfEvent());
    expect(await digestJob()).toBeDefined();
  }, 240_000);

  it('the unfiltered listing and the NDJSON export hold every record unchanged, and verify offline', async () => {
    const idOf = (record: unknown) => String(Reflect.get(Object(record), 'eventId'));
    const byId = (records: readonly unknown[]) => [...records].sort((a, b) => idOf(a).localeCompare(idOf(b)));
    expect(byId(await listAll(range()))).toEqual(byId(written));

    const exported = await (await get(`/v1/audit/events?format=ndjson&${range()}`)).text();
    const lines = exported.trim().split('\n');
    expect(byId(lines.map((line) => JSON.parse(line)))).toEqual(byId(written));
    await writeFile(join(dir, 'audit.ndjson'), exported);

    const anchoring = await downloadAnchoring(dir, audit.bucket, audit.prefix);
    const { code, report } = await verifyOffline(['--records', join(dir, 'audit.ndjson'), ...anchoring]);
    expect(report.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(code).toBe(0);
    expect(report).toMatchObject({
      ok: true,
      recordsChecked: written.length,
      anchoredRecords: written.length,
    });

    const server = await readWire(await get(`/v1/audit/verify?${range()}`), verificationReportWire);
    expect(server).toMatchObject({ ok: true, anchoredRecords: written.length });
  }, 120_000);
  it('the digest job refuses a record dated an hour ahead, found in DynamoDB by its time index', async () => {
    const ahead = new Date(Date.now() + 3_600_000);
    const forger = new ChainedAuditLog(new DynamoDbAuditSink(audit.client, audit.table), () => newEventId());
    const [event] = stamp(everyKindOfEvent().slice(0, 1), ahead);
    if (!event) throw new Error('no event');
    await forger.append(event);
    const signed = await digestJob();
    expect(signed?.digest.forwardDated).toEqual([
      expect.objectContaining({ eventId: event.eventId, time: event.time, seq: 0 }),
    ]);
  }, 60_000);
});

/** A forwarder to DynamoDB Local that answers every request after the first `pass` with a hard error. */
async function failingAfter(pass: number): Promise<{ endpoint: string; close(): Promise<void> }> {
  const upstream = new URL(stack().dynamodbEndpoint);
  let seen = 0;
  const server: Server = createServer((incoming, outgoing) => {
    if (++seen > pass) {
      incoming.resume();
      outgoing.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      outgoing.end(
        JSON.stringify({ __type: 'com.amazon.coral.validate#ValidationException', message: 'cut' }),
      );
      return;
    }
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: incoming.url,
        method: incoming.method,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    incoming.pipe(forward);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

describe('a record the API cannot read is an error for that record only', () => {
  const table = `credvend-audit-unreadable-${randomBytes(4).toString('hex')}`;
  const client = dynamodb();
  const config = { ...stack().credvendEnv, CREDVEND_AUDIT_TABLE: table };
  const written: ChainedAuditEvent[] = [];
  let bad: ChainedAuditEvent;
  let auditor: string;
  const from = new Date(Date.now() - 60_000).toISOString();
  const range = () => `from=${from}&to=${new Date(Date.now() + 1000).toISOString()}`;
  let identities: Identities;
  const get = (path: string) =>
    auditApp(config, identities).request(path, { headers: { authorization: `Bearer ${auditor}` } });

  beforeAll(async () => {
    auditor = await devToken('auditor@example.com');
    await newTable(client, table);
    identities = await identitiesOnAuditTable(table, ['audit']);
    const log = new ChainedAuditLog(recordingSink(client, table, written), () => newEventId());
    for (const record of stamp(everyKindOfEvent().slice(0, 6), new Date())) await log.append(record);
    const [first] = written;
    if (!first) throw new Error('nothing written');
    // A record of a newer version (or an edit): an auth method this version does not know.
    bad = { ...first, eventId: newEventId(), requestId: 'from-the-future' };
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: { ...auditEventToItem(bad), authMethod: { S: 'carrier-pigeon' } },
      }),
    );
    await sleep(20);
  }, 60_000);
  afterAll(async () => {
    await client.send(new DeleteTableCommand({ TableName: table }));
  });

  it('its lookup is a 500 problem; the other lookups answer', async () => {
    const response = await get(`/v1/audit/events/${bad.eventId}`);
    expect(response.status).toBe(500);
    expect((await readWire(response, problemWire)).type).toBe('urn:credvend:problem:internal');
    expect((await get(`/v1/audit/events/${written[1]?.eventId}`)).status).toBe(200);
  });

  it('a listing holding it answers with every other record and names it as unreadable', async () => {
    const principal = encodeURIComponent(bad.principal);
    const page = await readWire(
      await get(`/v1/audit/events?principal=${principal}&${range()}`),
      auditPageWire,
    );
    expect(page.events.map((e) => e.eventId)).toContain(written[0]?.eventId);
    expect(page.unreadable).toEqual([
      { eventId: bad.eventId, status: 500, detail: expect.stringMatching(/authMethod/) },
    ]);
  });

  it('the export carries it as an error line, every record beside it, and verify-offline reports it', async () => {
    const text = await (await get(`/v1/audit/events?format=ndjson&${range()}`)).text();
    const lines = text
      .trim()
      .split('\n')
      .map((line) => auditExportLineWire.parse(JSON.parse(line)));
    const errors = lines.filter((line) => 'error' in line);
    expect(errors).toEqual([{ error: expect.objectContaining({ status: 500, eventId: bad.eventId }) }]);
    expect(lines.length - errors.length).toBe(written.length);
    const dir = await mkdtemp(join(tmpdir(), 'credvend-unreadable-'));
    try {
      await writeFile(join(dir, 'audit.ndjson'), text);
      await mkdir(join(dir, 'digests'));
      const { code, report } = await verifyOffline([
        '--records',
        join(dir, 'audit.ndjson'),
        ...(await downloadAnchoring(dir, stack().digestBucket, 'none-at-all/')),
      ]);
      expect(code).toBe(2);
      expect(report.findings).toContainEqual(
        expect.objectContaining({ kind: 'unreadable-record', severity: 'error', eventId: bad.eventId }),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('an export that fails part-way ends with an error line, never a clean end', async () => {
    const proxy = await failingAfter(2);
    try {
      // The audit function as deployed, its DynamoDB behind a link that breaks after two requests.
      const app = auditApp({ ...config, CREDVEND_DYNAMODB_ENDPOINT: proxy.endpoint }, identities);
      // One page per outcome shard: the first Query and its BatchGetItem pass, the next Query fails.
      const response = await app.request(`/v1/audit/events?format=ndjson&limit=1&${range()}`, {
        headers: { authorization: `Bearer ${auditor}` },
      });
      expect(response.status).toBe(200);
      const lines = (await response.text()).trim().split('\n');
      expect(lines.length).toBeLessThan(written.length);
      const last = auditExportLineWire.parse(JSON.parse(lines.at(-1) ?? '{}'));
      // The problem a 5xx would have carried: here DynamoDB failing, so dependency-unavailable.
      expect(last).toEqual({
        error: expect.objectContaining({
          type: 'urn:credvend:problem:dependency-unavailable',
          status: 503,
          detail: expect.stringMatching(/incomplete/),
        }),
      });
    } finally {
      await proxy.close();
    }
  });
});
