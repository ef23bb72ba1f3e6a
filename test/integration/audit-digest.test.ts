import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  CreateTableCommand,
  DeleteItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { CreateKeyCommand, GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import {
  DeleteBucketPolicyCommand,
  DeleteObjectCommand,
  GetBucketPolicyCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item } from '../../src/aws/attribute-values.js';
import { auditEventToItem } from '../../src/aws/audit-items.js';
import { DynamoDbAuditSink } from '../../src/aws/dynamodb-audit-sink.js';
import { readDynamoDbExport } from '../../src/aws/dynamodb-export.js';
import { restoreItems } from '../../src/aws/dynamodb-restore.js';
import { auditTableDefinition } from '../../src/aws/table-schema.js';
import type { AuditEvent, ChainedAuditEvent } from '../../src/domain/audit/audit.js';
import { ChainedAuditLog, canonicalJson, hashRecord } from '../../src/domain/audit/chain.js';
import { digestSigningString, type SignedDigest } from '../../src/domain/audit/digest.js';
import type { FindingKind } from '../../src/domain/audit/digest-verify.js';
import { newEventId } from '../../src/domain/shared/ids.js';
import { writeDynamoDbExport } from '../../src/local/dynamodb-export-writer.js';
import { auditEventWire, type VerificationReportWire, verificationReportWire } from '../../src/wire/audit.js';
import { readWire } from '../fixtures/read-wire.js';
import { verifyOffline, writeDigestPublicKey } from './offline-verify.js';
import {
  type AuditStack,
  auditApp,
  devToken,
  identitiesOnAuditTable,
  newAuditStack,
  stack,
} from './support.js';

/**
 * The tamper matrix: one second stack of the template (its own audit table, digest bucket
 * with the template's bucket policy, digest and audit roles), with three signed digests over
 * two chains written through the real sink and two records after the last digest. Each case
 * does one kind of tampering, which verify must name, then puts everything back as it was
 * written (records, digests, bucket policy), which verify must pass again: the next case
 * starts from the untouched scenario.
 */

const AUDITOR = 'auditor@example.com';

interface Scenario extends AuditStack {
  /** Records by chain, in seq order, as written. */
  chains: ChainedAuditEvent[][];
  digests: SignedDigest[];
  /** The table's items and the digests' bodies as written, and the bucket's policy: what undo puts back. */
  pristine: { items: Item[]; digestBodies: Map<string, string>; bucketPolicy: string };
  /** Set by a forger who lifted the bucket policy: undo puts the digests and the policy back. */
  policyLifted: boolean;
  verify(): Promise<VerificationReportWire>;
}

let auditorToken: string;
const s3 = () =>
  new S3Client({
    region: 'us-east-1',
    endpoint: stack().stsEndpoint,
    credentials: stack().operator,
    forcePathStyle: true,
  });

function event(time: Date, n: number): AuditEvent {
  return {
    eventId: newEventId(time),
    time: time.toISOString(),
    action: 'credentials.issue',
    outcome: 'issued',
    requestId: `req-${n}`,
    principal: 'https://idp.example.com#tamper-test',
    authMethod: 'oidc',
    accountId: '222222222222',
    roleArn: 'arn:aws:iam::222222222222:role/credvend-readonly',
    accessKeyId: `ASIATAMPER${String(n).padStart(8, '0')}`,
    reason: `record ${n}`,
  };
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 3));

async function newScenario(): Promise<Scenario> {
  const audit = await newAuditStack('tamper');
  const { client, table } = audit;
  const written: ChainedAuditEvent[] = [];
  const log = new ChainedAuditLog(
    {
      putNew: async (record) => {
        await new DynamoDbAuditSink(client, table).putNew(record);
        written.push(record);
      },
    },
    () => newEventId(),
    2,
  );
  const digestJob = audit.digestJob();
  const digests: SignedDigest[] = [];
  let n = 0;
  // Two records at a time: the two chains of this writer both advance in every window.
  const writeRound = async () => {
    await Promise.all([log.append(event(new Date(), n++)), log.append(event(new Date(), n++))]);
    await pause();
  };
  for (let round = 0; round < 3; round++) {
    await writeRound();
    await writeRound();
    await pause();
    const signed = await digestJob();
    if (!signed) throw new Error('no digest written');
    digests.push(signed);
    await pause();
  }
  await writeRound(); // unanchored: after the last digest
  const chains = [...new Set(written.map((r) => r.chainId))].map((chainId) =>
    written.filter((r) => r.chainId === chainId).sort((a, b) => a.seq - b.seq),
  );
  const app = auditApp(audit.config, audit.identities);
  const from = new Date(Date.now() - 3_600_000).toISOString();
  const scenario: Scenario = {
    ...audit,
    chains,
    digests,
    pristine: { items: [], digestBodies: new Map(), bucketPolicy: '' },
    policyLifted: false,
    verify: async () => {
      const to = new Date(Date.now() + 1000).toISOString();
      const response = await app.request(`/v1/audit/verify?from=${from}&to=${to}`, {
        headers: { authorization: `Bearer ${auditorToken}` },
      });
      expect(response.status).toBe(200);
      return await readWire(response, verificationReportWire);
    },
  };
  const policy = await s3().send(new GetBucketPolicyCommand({ Bucket: audit.bucket }));
  scenario.pristine = {
    items: await tableItems(scenario),
    digestBodies: new Map(
      await Promise.all(
        digests.map(async ({ digest }) => [digest.key, await digestBody(scenario, digest.key)] as const),
      ),
    ),
    bucketPolicy: policy.Policy ?? '',
  };
  return scenario;
}

async function tableItems(s: Scenario): Promise<Item[]> {
  const scanned = await s.client.send(new ScanCommand({ TableName: s.table, ConsistentRead: true }));
  if (scanned.LastEvaluatedKey) throw new Error('the tamper table outgrew one Scan page');
  return scanned.Items ?? [];
}

/**
 * Undoes any tampering: records not written by the scenario deleted, every record written
 * put back as it was (rewritten or deleted ones), and when a forger lifted the bucket policy,
 * the digests as signed and then the policy, which refuses the administrator again.
 */
async function undoTampering(s: Scenario): Promise<void> {
  const original = new Map(s.pristine.items.map((item) => [item.eventId?.S ?? '', item]));
  const now = new Map((await tableItems(s)).map((item) => [item.eventId?.S ?? '', item]));
  for (const eventId of now.keys())
    if (!original.has(eventId))
      await s.client.send(new DeleteItemCommand({ TableName: s.table, Key: { eventId: { S: eventId } } }));
  for (const [eventId, item] of original)
    if (!isDeepStrictEqual(now.get(eventId), item))
      await s.client.send(new PutItemCommand({ TableName: s.table, Item: item }));
  if (!s.policyLifted) return;
  for (const [key, body] of s.pristine.digestBodies) await putDigest(s, key, body);
  await s3().send(new PutBucketPolicyCommand({ Bucket: s.bucket, Policy: s.pristine.bucketPolicy }));
  s.policyLifted = false;
  expect(await refusal(putDigest(s, s.digests[0]?.digest.key ?? '', '{"forged":true}'))).toBe('AccessDenied');
}

/** The error's name a call failed with, or 'allowed'. */
const refusal = (call: Promise<unknown>) =>
  call.then(
    () => 'allowed',
    (error: unknown) => (error instanceof Error ? error.name : String(error)),
  );

const kinds = (report: VerificationReportWire) =>
  new Set(report.findings.filter((f) => f.severity === 'error').map((f) => f.kind));

async function putRecord(s: Scenario, record: ChainedAuditEvent): Promise<void> {
  await s.client.send(new PutItemCommand({ TableName: s.table, Item: auditEventToItem(record) }));
}

async function deleteRecord(s: Scenario, record: ChainedAuditEvent): Promise<void> {
  await s.client.send(new DeleteItemCommand({ TableName: s.table, Key: { eventId: { S: record.eventId } } }));
}

/** A forger with table access: rewrites records from `fromIndex` on so every link and hash is valid again. */
function rehashFrom(
  chain: ChainedAuditEvent[],
  fromIndex: number,
  change: (r: ChainedAuditEvent) => ChainedAuditEvent,
) {
  const out: ChainedAuditEvent[] = [];
  let prevHash = chain[fromIndex - 1]?.hash ?? '0'.repeat(64);
  for (const original of chain.slice(fromIndex)) {
    const { hash: _h, ...content } = { ...change(original), prevHash };
    const record = { ...content, hash: hashRecord(content) };
    out.push(record);
    prevHash = record.hash;
  }
  return out;
}

/**
 * What a forger of digests must do first: an account administrator may remove the bucket
 * policy (it denies writes to everyone but the digest role, administrators included).
 */
async function liftBucketPolicy(s: Scenario): Promise<void> {
  s.policyLifted = true;
  await s3().send(new DeleteBucketPolicyCommand({ Bucket: s.bucket }));
}

async function putDigest(s: Scenario, key: string, body: string): Promise<void> {
  await s3().send(new PutObjectCommand({ Bucket: s.bucket, Key: key, Body: body }));
}

async function digestBody(s: Scenario, key: string): Promise<string> {
  const output = await s3().send(new GetObjectCommand({ Bucket: s.bucket, Key: key }));
  return (await output.Body?.transformToString('utf8')) ?? '';
}

/** The file's one scenario: every case below reads it, or tampers with it and undoes that. */
let baseline: Scenario;
beforeAll(async () => {
  auditorToken = await devToken(AUDITOR);
  baseline = await newScenario();
}, 60_000);
afterAll(() => baseline?.client.destroy());

describe('verification against signed digests', () => {
  it('passes untouched records, anchoring all but those written after the last digest', async () => {
    const report = await baseline.verify();
    expect(report).toMatchObject({ ok: true, anchoring: 'digests', digestsChecked: 3, unanchoredRecords: 2 });
    expect(report.anchoredRecords).toBe(12);
    // The two records after the last digest: a warning that the digests end before them, and a note each.
    expect(report.findings.map((f) => f.kind)).toEqual(['digests-end-early', 'unanchored', 'unanchored']);
    expect(report.lastDigest?.key).toBe(baseline.digests[2]?.digest.key);
    // The digests link up and name the heads of both chains.
    const [d1, d2, d3] = baseline.digests;
    expect(d1?.digest.previousDigest).toBeNull();
    expect(d2?.digest.previousDigest?.key).toBe(d1?.digest.key);
    expect(d3?.digest.previousDigest?.key).toBe(d2?.digest.key);
    expect(d3?.digest.advanced.map((c) => c.chainId).sort()).toEqual(
      baseline.chains.map((c) => c[0]?.chainId).sort(),
    );
    expect(d3?.digest.known).toHaveLength(2);
    expect(d1?.digest.key).toMatch(new RegExp(`^${baseline.prefix}\\d{4}/\\d{2}/\\d{2}/credvend-digest-`));
  });

  it('keeps the digests out of an administrator’s reach: only the digest role writes or deletes them', async () => {
    // The operator may do anything its identity policy names (s3:* on every bucket included);
    // the template's bucket policy, judged by the IAM gate as S3 would, still refuses it.
    const key = baseline.digests[0]?.digest.key ?? '';
    expect(await refusal(putDigest(baseline, key, '{"forged":true}'))).toBe('AccessDenied');
    expect(await refusal(s3().send(new DeleteObjectCommand({ Bucket: baseline.bucket, Key: key })))).toBe(
      'AccessDenied',
    );
    // Reading stays open to whoever IAM allows: auditors copy the digests.
    expect(JSON.parse(await digestBody(baseline, key))).toHaveProperty('digest.key', key);
    expect((await baseline.verify()).ok).toBe(true);
  });

  const scenarios: Array<[string, FindingKind, (s: Scenario) => Promise<void>]> = [
    [
      'an edited record',
      'edited',
      async (s) => {
        const target = s.chains[0]?.[2] as ChainedAuditEvent;
        await s.client.send(
          new UpdateItemCommand({
            TableName: s.table,
            Key: { eventId: { S: target.eventId } },
            UpdateExpression: 'SET reason = :r',
            ExpressionAttributeValues: { ':r': { S: 'nothing to see' } },
          }),
        );
      },
    ],
    ['a deleted record', 'missing', (s) => deleteRecord(s, s.chains[0]?.[2] as ChainedAuditEvent)],
    [
      'an inserted record',
      'inserted',
      async (s) => {
        const original = s.chains[0]?.[2] as ChainedAuditEvent;
        const { hash: _h, ...content } = { ...original, eventId: newEventId(), reason: 'forged' };
        await putRecord(s, { ...content, hash: hashRecord(content) });
      },
    ],
    [
      'two records reordered',
      'reordered',
      async (s) => {
        const chain = s.chains[0] as ChainedAuditEvent[];
        const a = chain[2] as ChainedAuditEvent;
        const b = chain[3] as ChainedAuditEvent;
        const swapped = rehashFrom(
          [...chain.slice(0, 2), { ...b, seq: a.seq }, { ...a, seq: b.seq }],
          2,
          (r) => r,
        );
        for (const record of swapped) await putRecord(s, record);
      },
    ],
    [
      'truncation of an anchored suffix',
      'truncated',
      async (s) => {
        for (const record of (s.chains[0] as ChainedAuditEvent[]).slice(4)) await deleteRecord(s, record);
      },
    ],
    [
      'a re-hashed anchored suffix',
      'rehashed',
      async (s) => {
        const chain = s.chains[0] as ChainedAuditEvent[];
        for (const record of rehashFrom(chain, 3, (r) => (r.seq === 3 ? { ...r, reason: 'rewritten' } : r)))
          await putRecord(s, record);
      },
    ],
    [
      'a whole chain deleted',
      'deleted-chain',
      async (s) => {
        for (const record of s.chains[1] as ChainedAuditEvent[]) await deleteRecord(s, record);
      },
    ],
    [
      'a fabricated chain',
      'fabricated-chain',
      async (s) => {
        // Written straight into the table, dated inside the digests' windows, every link valid.
        const forger = new ChainedAuditLog(new DynamoDbAuditSink(s.client, s.table), () => newEventId(), 1);
        const inWindow = new Date(Date.parse(s.digests[1]?.digest.endTime ?? '') - 1);
        await forger.append({ ...event(inWindow, 900), principal: 'https://idp.example.com#someone-else' });
        await forger.append({ ...event(inWindow, 901), principal: 'https://idp.example.com#someone-else' });
      },
    ],
    [
      'a deleted digest',
      'missing-digest',
      async (s) => {
        await liftBucketPolicy(s);
        await s3().send(new DeleteObjectCommand({ Bucket: s.bucket, Key: s.digests[1]?.digest.key }));
      },
    ],
    [
      'a digest re-signed with another key',
      'bad-signature',
      async (s) => {
        const kms = new KMSClient({
          region: 'us-east-1',
          endpoint: stack().stsEndpoint,
          credentials: stack().operator,
        });
        const key = await kms.send(
          new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }),
        );
        const original = s.digests[1] as SignedDigest;
        // Forget chain 2 in this digest, and sign the result as credvend would.
        const digest = { ...original.digest, advanced: original.digest.advanced.slice(0, 1) };
        const signature = await kms.send(
          new SignCommand({
            KeyId: key.KeyMetadata?.KeyId,
            Message: Buffer.from(digestSigningString(digest)),
            MessageType: 'RAW',
            SigningAlgorithm: 'ECDSA_SHA_256',
          }),
        );
        const forged: SignedDigest = {
          ...original,
          digest,
          signature: Buffer.from(signature.Signature ?? new Uint8Array()).toString('base64'),
        };
        await liftBucketPolicy(s);
        await putDigest(s, digest.key, canonicalJson(forged));
      },
    ],
    [
      'two digests swapped',
      'swapped-digests',
      async (s) => {
        const [first, second] = [s.digests[0]?.digest.key ?? '', s.digests[1]?.digest.key ?? ''];
        const [a, b] = [await digestBody(s, first), await digestBody(s, second)];
        await liftBucketPolicy(s);
        await putDigest(s, first, b);
        await putDigest(s, second, a);
      },
    ],
  ];

  for (const [name, kind, tamper] of scenarios) {
    it(`names ${name}: ${kind}`, async () => {
      const s = baseline;
      expect((await s.verify()).ok).toBe(true);
      try {
        await tamper(s);
        const report = await s.verify();
        expect(report.ok, JSON.stringify(report.findings.slice(0, 5))).toBe(false);
        expect([...kinds(report)]).toContain(kind);
        const finding = report.findings.find((f) => f.kind === kind);
        // Named where it happened: the record (chain and seq) or the digest.
        if (kind.endsWith('digest') || kind.endsWith('digests') || kind === 'bad-signature')
          expect(finding?.digestKey).toMatch(new RegExp(`^${s.prefix}`));
        else expect(finding?.chainId).toBeDefined();
      } finally {
        await undoTampering(s);
      }
      // Undone: the scenario verifies exactly as it did untouched.
      const undone = await s.verify();
      expect(undone).toMatchObject({
        ok: true,
        digestsChecked: 3,
        anchoredRecords: 12,
        unanchoredRecords: 2,
      });
      expect(undone.findings.map((f) => f.kind)).toEqual(['digests-end-early', 'unanchored', 'unanchored']);
    }, 60_000);
  }
});

describe('offline verification: an export, a copy of the digest bucket and the public key', () => {
  let s: Scenario;
  let dir: string;
  let args: string[];
  let exported: string;

  beforeAll(async () => {
    s = baseline;
    dir = await mkdtemp(join(tmpdir(), 'credvend-offline-'));
    // 1. the export, through the API as an auditor would fetch it
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const response = await auditApp(s.config, s.identities).request(
      `/v1/audit/events?format=ndjson&from=${from}&to=${new Date(Date.now() + 1000).toISOString()}`,
      { headers: { authorization: `Bearer ${auditorToken}` } },
    );
    exported = await response.text();
    await writeFile(join(dir, 'audit.ndjson'), exported);
    // 2. the digests, as `aws s3 sync` lays them out (the prefix filter is ours: see moto-s3.ts)
    const client = s3();
    const listed = await client.send(new ListObjectsV2Command({ Bucket: s.bucket }));
    for (const { Key } of listed.Contents ?? []) {
      if (!Key?.startsWith(s.prefix)) continue;
      await mkdir(dirname(join(dir, 'digests', Key)), { recursive: true });
      await writeFile(join(dir, 'digests', Key), await digestBody(s, Key));
    }
    // 3. the public key, as `aws kms get-public-key --output text --query PublicKey` prints it
    await writeDigestPublicKey(join(dir, 'digest-key.b64'));
    args = [
      '--records',
      join(dir, 'audit.ndjson'),
      '--digests',
      join(dir, 'digests'),
      '--public-key',
      join(dir, 'digest-key.b64'),
    ];
  }, 90_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('verifies with no access to credvend or AWS', async () => {
    expect(exported.trim().split('\n')).toHaveLength(14);
    const { code, report } = await verifyOffline(args);
    expect(code).toBe(0);
    expect(report).toMatchObject({ ok: true, digestsChecked: 3, anchoredRecords: 12, unanchoredRecords: 2 });
  });

  it('names an edited exported record, a missing digest file and a foreign key', async () => {
    const lines = exported.trim().split('\n');
    const target = auditEventWire.parse(JSON.parse(lines[5] ?? '{}'));
    await writeFile(
      join(dir, 'edited.ndjson'),
      lines.map((l, i) => (i === 5 ? l.replace('"record ', '"RECORD ') : l)).join('\n'),
    );
    const edited = await verifyOffline(['--records', join(dir, 'edited.ndjson'), ...args.slice(2)]);
    expect(edited.code).toBe(2);
    expect(edited.report.findings.find((f) => f.kind === 'edited')?.eventId).toBe(target.eventId);

    const other = new KMSClient({
      region: 'us-east-1',
      endpoint: stack().stsEndpoint,
      credentials: stack().operator,
    });
    const otherKey = await other.send(
      new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }),
    );
    const otherPublic = await other.send(new GetPublicKeyCommand({ KeyId: otherKey.KeyMetadata?.KeyId }));
    await writeFile(
      join(dir, 'other.b64'),
      Buffer.from(otherPublic.PublicKey ?? new Uint8Array()).toString('base64'),
    );
    const foreign = await verifyOffline([...args.slice(0, 4), '--public-key', join(dir, 'other.b64')]);
    expect(foreign.code).toBe(2);
    expect(foreign.report.findings.filter((f) => f.kind === 'bad-signature')).toHaveLength(3);

    const middle = s.digests[1]?.digest.key ?? '';
    const body = await readFile(join(dir, 'digests', middle), 'utf8');
    await rm(join(dir, 'digests', middle));
    const missing = await verifyOffline(args);
    await writeFile(join(dir, 'digests', middle), body);
    expect(missing.code).toBe(2);
    expect(missing.report.findings.find((f) => f.kind === 'missing-digest')?.digestKey).toBe(middle);
  }, 60_000);

  // The restore drill (docs/operations/restore.md): the audit table exported as DynamoDB
  // exports it, the export verified offline, restored into a new table, verified again by the
  // audit API reading that table; then a restore that lost one record, which verify names.
  it('restore drill: an export of the audit table verifies offline, and restored into a new table, end to end', async () => {
    const exportDir = join(dir, 'table-export');
    expect(await writeDynamoDbExport(s.client, s.table, exportDir)).toBe(14);
    const offline = await verifyOffline(['--export', exportDir, ...args.slice(2)], 'verify-export');
    expect(offline.code).toBe(0);
    expect(offline.report).toMatchObject({
      ok: true,
      digestsChecked: 3,
      anchoredRecords: 12,
      unanchoredRecords: 2,
    });

    const restoreInto = async (table: string, items: Awaited<ReturnType<typeof readDynamoDbExport>>) => {
      await s.client.send(new CreateTableCommand(auditTableDefinition(table)));
      await waitUntilTableExists({ client: s.client, maxWaitTime: 30, minDelay: 1 }, { TableName: table });
      await restoreItems(s.client, table, items);
      const from = new Date(Date.now() - 3_600_000).toISOString();
      const to = new Date(Date.now() + 1000).toISOString();
      // The audit function of the stack whose audit table is the restored one (its digest bucket
      // is the same): the template's role for it.
      const identities = await identitiesOnAuditTable(table, ['audit'], {
        digestBucket: s.bucket,
        digestBucketExists: true,
      });
      const response = await auditApp({ ...s.config, CREDVEND_AUDIT_TABLE: table }, identities).request(
        `/v1/audit/verify?from=${from}&to=${to}`,
        { headers: { authorization: `Bearer ${auditorToken}` } },
      );
      expect(response.status).toBe(200);
      return readWire(response, verificationReportWire);
    };
    const items = await readDynamoDbExport(exportDir);
    const restored = await restoreInto(`${s.table}-restored`, items);
    expect(restored).toMatchObject({
      ok: true,
      digestsChecked: 3,
      anchoredRecords: 12,
      unanchoredRecords: 2,
    });

    // A partial restore: one anchored record lost on the way.
    const lost = s.chains[1]?.[1] as ChainedAuditEvent;
    const partial = await restoreInto(
      `${s.table}-partial`,
      items.filter((item) => item.eventId?.S !== lost.eventId),
    );
    expect(partial.ok).toBe(false);
    // Named where the chain breaks: the record after the gap, saying which sequence numbers are gone.
    const missing = partial.findings.find((f) => f.kind === 'missing');
    expect(missing).toMatchObject({ chainId: lost.chainId, seq: lost.seq + 1 });
    expect(missing?.detail).toContain(`seq ${lost.seq}..${lost.seq} missing`);
    // A copy that does not hold what its manifest says is refused before anything is judged.
    const manifest = join(exportDir, 'manifest-files.json');
    const entries = (await readFile(manifest, 'utf8')).trim().split('\n');
    await writeFile(
      manifest,
      entries.map((line) => line.replace(/"itemCount":\d+/, '"itemCount":15')).join('\n'),
    );
    await expect(readDynamoDbExport(exportDir)).rejects.toThrow(/14 items, the manifest says 15/);
  }, 90_000);
});
