import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DeleteItemCommand, type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expiryOf } from '../../src/aws/audit-items.js';
import { DynamoDbAuditSink } from '../../src/aws/dynamodb-audit-sink.js';
import type { AuditEvent, ChainedAuditEvent } from '../../src/domain/audit/audit.js';
import { ChainedAuditLog } from '../../src/domain/audit/chain.js';
import { EXPORT_GUARD_DAYS } from '../../src/domain/audit/export.js';
import { newEventId } from '../../src/domain/shared/ids.js';
import { auditEventWire } from '../../src/wire/audit.js';
import { problemWire } from '../../src/wire/problem.js';
import { readWire } from '../fixtures/read-wire.js';
import { verifyOffline, writeDigestPublicKey } from './offline-verify.js';
import { type AuditStack, auditApp, devToken, type Identities, newAuditStack, stack } from './support.js';

/**
 * The hot window end to end on the local stack: records written with their TTL, exported by the
 * digest job under the digest function's own role (through the IAM gate), the guard holding
 * back a TTL with the job's clock moved on, the records then deleted as TTL deletes them, and
 * history still verified offline from the bucket's copy; the API pointing at the export.
 */

const HOT_DAYS = 30;
const DAY = 86_400_000;

function event(n: number): AuditEvent {
  const time = new Date();
  return {
    eventId: newEventId(time),
    time: time.toISOString(),
    action: 'credentials.issue',
    outcome: 'issued',
    requestId: `req-${n}`,
    principal: 'https://idp.example.com#hot-window',
    authMethod: 'oidc',
    accountId: '222222222222',
    roleArn: 'arn:aws:iam::222222222222:role/credvend-readonly',
    accessKeyId: `ASIAHOTWINDOW${String(n).padStart(7, '0')}`,
    reason: `record ${n}`,
  };
}

const s3 = () =>
  new S3Client({
    region: 'us-east-1',
    endpoint: stack().stsEndpoint,
    credentials: stack().operator,
    forcePathStyle: true,
  });

describe('audit history past the hot window: TTL, export, guard, offline verification', () => {
  const exportPrefix = `exports-${randomBytes(4).toString('hex')}/`;
  let audit: AuditStack;
  let table: string;
  let bucket: string;
  let client: DynamoDBClient;
  let identities: Identities;
  let config: Record<string, string>;
  let job: () => Promise<unknown>;
  let log: ChainedAuditLog;
  let dir: string;
  let auditor: string;
  /** How far the digest job's clock is ahead of the machine's. */
  let ahead = 0;
  const written: ChainedAuditEvent[] = [];
  let n = 0;

  const write = async (count: number) => {
    for (let i = 0; i < count; i++) await log.append(event(n++));
    await new Promise((resolve) => setTimeout(resolve, 5));
  };
  const expiresAt = async (record: ChainedAuditEvent) => {
    const item = await client.send(
      new GetItemCommand({ TableName: table, Key: { eventId: { S: record.eventId } } }),
    );
    return Number(item.Item?.expiresAt?.N);
  };
  const object = async (key: string) => {
    const output = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from((await output.Body?.transformToByteArray()) ?? new Uint8Array());
  };

  beforeAll(async () => {
    auditor = await devToken('auditor@example.com');
    audit = await newAuditStack('hot', {
      env: { CREDVEND_AUDIT_HOT_DAYS: String(HOT_DAYS), CREDVEND_AUDIT_EXPORT_PREFIX: exportPrefix },
    });
    ({ table, bucket, client, identities, config } = audit);
    job = audit.digestJob({ now: () => new Date(Date.now() + ahead) });
    const sink = new DynamoDbAuditSink(client, table, { hotDays: HOT_DAYS });
    log = new ChainedAuditLog(
      {
        putNew: async (record) => {
          await sink.putNew(record);
          written.push(record);
        },
      },
      () => newEventId(),
      1,
    );
    dir = await mkdtemp(join(tmpdir(), 'credvend-hot-'));
  }, 90_000);
  afterAll(async () => {
    client?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes each record with its TTL and exports it under the digest role: gzipped NDJSON of the API’s records, and a manifest', async () => {
    await write(3);
    for (const record of written)
      expect(await expiresAt(record)).toBe(expiryOf(record.time, { hotDays: HOT_DAYS }));
    await job();
    const latest = JSON.parse((await object(`${exportPrefix}latest.json`)).toString('utf8'));
    expect(latest).toMatchObject({ version: 1, after: null, records: 3, unreadable: 0 });
    const lines = gunzipSync(await object(latest.file.key))
      .toString('utf8')
      .trim()
      .split('\n');
    expect(lines.map((line) => auditEventWire.parse(JSON.parse(line)))).toEqual(written);
  }, 60_000);

  it('finds an access key over the hot window, and refuses a range reaching past it with a pointer to the export', async () => {
    const app = auditApp(config, identities);
    const get = (path: string) => app.request(path, { headers: { authorization: `Bearer ${auditor}` } });
    const key = await get(`/v1/audit/access-keys/${written[0]?.accessKeyId}`);
    expect(key.status).toBe(200);
    const old = new Date(Date.now() - (HOT_DAYS + 1) * DAY).toISOString();
    for (const path of [`/v1/audit/events?from=${old}`, `/v1/audit/verify?from=${old}`]) {
      const refused = await get(path);
      expect(refused.status).toBe(400);
      expect((await readWire(refused, problemWire)).detail).toContain(`s3://${bucket}/${exportPrefix}`);
    }
    expect(
      (await get(`/v1/audit/events?from=${new Date(Date.now() - (HOT_DAYS - 1) * DAY).toISOString()}`))
        .status,
    ).toBe(200);
  }, 60_000);

  it('holds back the TTL of records the export has not reached when it runs close to their expiry (UpdateItem under the digest role)', async () => {
    const exported = [...written];
    await write(2);
    const fresh = written.slice(exported.length);
    // The job's clock 24 days on: the new records expire within the guard's 7 days, unexported.
    ahead = (HOT_DAYS - 6) * DAY;
    const before = Date.now();
    await job();
    for (const record of fresh) {
      const held = await expiresAt(record);
      expect(held).toBeGreaterThanOrEqual(Math.floor((before + ahead + 2 * EXPORT_GUARD_DAYS * DAY) / 1000));
    }
    for (const record of exported)
      expect(await expiresAt(record)).toBe(expiryOf(record.time, { hotDays: HOT_DAYS }));
  }, 60_000);

  it('after TTL deletes every record, verify-offline still verifies the whole history from the bucket copy alone', async () => {
    // What TTL does at the end of the hot window: delete the items.
    for (const record of written)
      await client.send(new DeleteItemCommand({ TableName: table, Key: { eventId: { S: record.eventId } } }));
    const copy = join(dir, 'bucket');
    const listed = await s3().send(new ListObjectsV2Command({ Bucket: bucket }));
    for (const { Key } of listed.Contents ?? []) {
      if (!Key || !(Key.startsWith(exportPrefix) || Key.startsWith(audit.prefix))) continue;
      await mkdir(dirname(join(copy, Key)), { recursive: true });
      await writeFile(join(copy, Key), await object(Key));
    }
    await writeDigestPublicKey(join(dir, 'key.b64'));
    const to = new Date(Date.now() + ahead + 60_000).toISOString();
    const args = ['--records', copy, '--digests', copy, '--public-key', join(dir, 'key.b64'), '--to', to];
    const { code, report } = await verifyOffline(args);
    expect(report.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(code).toBe(0);
    expect(report).toMatchObject({
      ok: true,
      recordsChecked: written.length,
      anchoredRecords: written.length,
    });

    // An exported file changed after its manifest was written is named, not read.
    const manifests = (listed.Contents ?? []).flatMap(({ Key }) =>
      Key?.endsWith('.manifest.json') ? [Key] : [],
    );
    const manifest = JSON.parse(await readFile(join(copy, manifests[0] ?? ''), 'utf8'));
    const file = join(copy, manifest.file.key);
    const edited = gunzipSync(await readFile(file))
      .toString('utf8')
      .replace('"record 0"', '"RECORD 0"');
    await writeFile(file, gzipSync(edited));
    const tampered = await verifyOffline(args);
    expect(tampered.code).toBe(2);
    expect(tampered.report.findings.find((f) => f.kind === 'incomplete-export')?.detail).toContain('differs');
  }, 90_000);
});
