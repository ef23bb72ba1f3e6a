import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEventToItem, itemToAuditEvent } from '../../src/aws/audit-items.js';
import { readExport } from '../../src/cli/offline-audit.js';
import type { AuditEvent, ChainedAuditEvent } from '../../src/domain/audit/audit.js';
import { ChainedAuditLog } from '../../src/domain/audit/chain.js';
import { AUDIT_FIELDS } from '../../src/domain/audit/fields.js';
import { chainBreaks } from '../../src/domain/audit/verify.js';
import { exportFailureLine, toAuditEventWire, toExportLines } from '../../src/http/audit-view.js';
import { auditEventWire } from '../../src/wire/audit.js';
import { anyAuditEvent, everyKindOfEvent, stamp } from '../fixtures/audit-records.js';

/** Appends through the real chain into memory: the records exactly as a sink receives them. */
async function chained(events: readonly AuditEvent[]): Promise<ChainedAuditEvent[]> {
  const written: ChainedAuditEvent[] = [];
  let chains = 0;
  const log = new ChainedAuditLog(
    { putNew: async (record) => void written.push(record) },
    () => `c${chains++}`,
  );
  for (const event of events) await log.append(event);
  return written;
}

describe('the audit field table drives storage, hashing, the wire and the offline verifier', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'credvend-fields-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('the wire schema names exactly the fields of the table', () => {
    expect(Object.keys(auditEventWire.shape).sort()).toEqual(AUDIT_FIELDS.map(([name]) => name).sort());
  });

  it('stores, renders and hashes only the fields of the table, whatever else the caller passed', async () => {
    const extra = { ...stamp(everyKindOfEvent().slice(0, 1), new Date())[0], secretAccessKey: 'never' };
    const [record] = await chained([extra as AuditEvent]);
    expect(record && 'secretAccessKey' in record).toBe(false);
    expect(Object.keys(auditEventToItem(record ?? ({} as ChainedAuditEvent)))).not.toContain(
      'secretAccessKey',
    );
  });

  it('a Slack decision with its access request renders, and its hash checks out after the trip', async () => {
    const [record] = await chained(
      stamp(
        [
          {
            action: 'access-request.approve',
            outcome: 'denied',
            authMethod: 'slack',
            principal: 'slack:U0UNMAPPED',
            requestId: 'r-1',
            slackUserId: 'U0UNMAPPED',
            accessRequestId: '01KBQ7V7Z3M4N5P6Q7R8S9T0VW',
          },
        ],
        new Date(),
      ),
    );
    if (!record) throw new Error('nothing appended');
    const wire = toAuditEventWire(record);
    expect(wire).toMatchObject({ authMethod: 'slack', slackUserId: 'U0UNMAPPED' });
    expect(wire.accessRequestId).toBe('01KBQ7V7Z3M4N5P6Q7R8S9T0VW');
    expect(chainBreaks([auditEventWire.parse(JSON.parse(JSON.stringify(wire)))])).toEqual([]);
  });

  it('every generated record comes back unchanged from storage, the API and an export, and verifies', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(anyAuditEvent, { minLength: 1, maxLength: 12 }), async (events) => {
        const records = await chained(stamp(events, new Date('2026-12-01T00:00:00Z')));
        for (const record of records) {
          expect(itemToAuditEvent(auditEventToItem(record))).toEqual(record);
          expect(JSON.parse(JSON.stringify(toAuditEventWire(record)))).toEqual(record);
        }
        const file = join(dir, `export-${run++}.ndjson`);
        await writeFile(file, toExportLines({ events: records }, 'req'));
        const exported = await readExport(file);
        expect(exported).toEqual({ records, errors: [] });
        expect(chainBreaks(exported.records)).toEqual([]);
      }),
      {
        numRuns: 100,
        ...(process.env.AUDIT_FIELDS_SEED ? { seed: Number(process.env.AUDIT_FIELDS_SEED) } : {}),
      },
    );
  }, 30_000);

  it('every action with every auth method, all fields set, makes the same trip', async () => {
    const records = await chained(stamp(everyKindOfEvent(), new Date('2026-12-01T00:00:00Z')));
    const file = join(dir, 'every-kind.ndjson');
    await writeFile(file, toExportLines({ events: records }, 'req'));
    expect(await readExport(file)).toEqual({ records, errors: [] });
    for (const record of records) expect(itemToAuditEvent(auditEventToItem(record))).toEqual(record);
  });

  it('an export names a record it could not carry and an export cut short, as errors', async () => {
    const records = await chained(stamp(everyKindOfEvent().slice(0, 2), new Date()));
    const file = join(dir, 'broken.ndjson');
    await writeFile(
      file,
      toExportLines(
        { events: records, unreadable: [{ eventId: 'E1', detail: 'attribute action: bad' }] },
        'r',
      ) + exportFailureLine(new Error('DynamoDB went away'), 'r'),
    );
    const { records: read, errors } = await readExport(file);
    expect(read).toEqual(records);
    expect(errors.map((e) => [e.kind, e.severity, e.eventId])).toEqual([
      ['unreadable-record', 'error', 'E1'],
      ['incomplete-export', 'error', undefined],
    ]);
  });

  it('an item this version did not write is refused, naming the attribute', () => {
    const item = auditEventToItem({
      ...stamp(everyKindOfEvent().slice(0, 1), new Date())[0],
      chainId: 'c',
      seq: 0,
      prevHash: '0',
      hash: 'h',
      day: '2026-12-07',
    } as ChainedAuditEvent);
    expect(() => itemToAuditEvent({ ...item, authMethod: { S: 'carrier-pigeon' } })).toThrow(/authMethod/);
    expect(() => itemToAuditEvent({ ...item, seq: { S: '1' } })).toThrow(/seq/);
  });

  it('stores a record for one index: no key of a retired index, the rest packed, a pack it cannot read refused', async () => {
    const [record] = await chained(stamp(everyKindOfEvent().slice(0, 1), new Date()));
    if (!record) throw new Error('no record');
    const item = auditEventToItem(record);
    for (const retired of ['principal', 'accountId', 'roleArn', 'accessKeyId', 'chainId', 'outcomeShard'])
      expect(Object.keys(item)).not.toContain(retired);
    expect(item.ts?.S).toMatch(/^t[0-7][0-7]$/);
    expect(item.z?.B?.[0]).toBe(1);
    const future = Uint8Array.from([2, ...(item.z?.B?.subarray(1) ?? [])]);
    expect(() => itemToAuditEvent({ ...item, z: { B: future } })).toThrow(
      /attribute z: unknown pack version/,
    );
    expect(() => itemToAuditEvent({ ...item, z: { B: Uint8Array.from([1, 0xff, 0x00]) } })).toThrow(
      /attribute z/,
    );
  });
});
