import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AuditEvent, ChainedAuditEvent } from '../../src/domain/audit/audit.js';
import { ChainedAuditLog } from '../../src/domain/audit/chain.js';
import { digestSigningString, KNOWN_CHAIN_DAYS } from '../../src/domain/audit/digest.js';
import { auditEventDetailSchema, auditEventJsonSchema } from '../../src/domain/audit/event-schema.js';
import { auditDetailType, auditEventDetail } from '../../src/domain/audit/events.js';
import { OPTIONAL_AUDIT_FIELDS } from '../../src/domain/audit/fields.js';
import { newEventId } from '../../src/domain/shared/ids.js';
import { digestHarness } from './digest-harness.js';

describe('signed digests', () => {
  for (const algorithm of ['ECDSA_SHA_256', 'RSASSA_PSS_SHA_256'] as const) {
    it(`anchors chain heads and verifies with the public key alone (${algorithm})`, async () => {
      const h = digestHarness(algorithm);
      await h.append();
      await h.append();
      const first = await h.digest();
      await h.append();
      const second = await h.digest();
      await h.append();
      expect(first?.digest).toMatchObject({ previousDigest: null, recordCount: 2, knownChainCount: 1 });
      expect(first?.digest.advanced[0]).toMatchObject({ seq: 1, fromSeq: 0, records: 2 });
      expect(second?.digest.advanced[0]).toMatchObject({ seq: 2, fromSeq: 2, records: 1 });
      expect(second?.digest.previousDigest?.key).toBe(first?.digest.key);
      const report = await h.verify();
      expect(report).toMatchObject({ ok: true, anchoredRecords: 3, unanchoredRecords: 1, digestsChecked: 2 });
      // Another key: every digest is named, and nothing it anchored counts.
      const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
      const forged = await h.verify(other);
      expect(forged.findings.filter((f) => f.kind === 'bad-signature')).toHaveLength(2);
    });
  }

  it('writes a digest even when nothing advanced, and forgets chains idle for longer than the known window', async () => {
    const h = digestHarness('ECDSA_SHA_256');
    await h.append();
    await h.digest();
    const quiet = await h.digest();
    expect(quiet?.digest).toMatchObject({ advanced: [], knownChainCount: 1 });
    h.advance(KNOWN_CHAIN_DAYS * 86_400_000 + 1);
    expect((await h.digest())?.digest.known).toEqual([]);
  });

  it('signs a string that names the key and the digest content', async () => {
    const h = digestHarness('ECDSA_SHA_256');
    await h.append();
    const signed = await h.digest();
    const digest = signed?.digest;
    if (!digest) throw new Error('no digest');
    expect(digestSigningString(digest)).toMatch(
      new RegExp(`^credvend-audit-digest-v1\\n${digest.key}\\n[0-9a-f]{64}$`),
    );
    expect(digestSigningString({ ...digest, recordCount: 99 })).not.toBe(digestSigningString(digest));
  });
});

describe('audit events', () => {
  it('names detail-types by action and outcome', () => {
    expect(auditDetailType({ action: 'credentials.issue', outcome: 'issued' })).toBe(
      'credvend.credentials.issued',
    );
    expect(auditDetailType({ action: 'credentials.issue', outcome: 'denied' })).toBe(
      'credvend.credentials.issue-denied',
    );
    expect(auditDetailType({ action: 'credentials.issue', outcome: 'error' })).toBe(
      'credvend.credentials.issue-failed',
    );
    expect(auditDetailType({ action: 'credentials.withheld', outcome: 'error' })).toBe(
      'credvend.credentials.withheld',
    );
    expect(auditDetailType({ action: 'entitlement.put', outcome: 'applied' })).toBe(
      'credvend.entitlement.put',
    );
    expect(auditDetailType({ action: 'audit.revoke', outcome: 'applied' })).toBe('credvend.audit.revoked');
  });

  /** One issuance record with these optional fields, as the chained log stores it. */
  async function chained(fields: Partial<AuditEvent>): Promise<ChainedAuditEvent> {
    const records: ChainedAuditEvent[] = [];
    const log = new ChainedAuditLog({ putNew: async (r) => void records.push(r) }, () => newEventId(), 1);
    await log.append({
      eventId: newEventId(),
      time: new Date().toISOString(),
      action: 'credentials.issue',
      outcome: 'issued',
      requestId: 'r',
      principal: 'p',
      authMethod: 'oidc',
      ...fields,
    });
    const [record] = records;
    if (!record) throw new Error('nothing appended');
    return record;
  }

  it('publishes the record by allow-list, valid against the strict schema', async () => {
    const record = await chained({ accessKeyId: 'ASIAEXAMPLEEXAMPLE12', sessionTags: { team: 'a' } });
    const detail = auditEventDetailSchema.parse(auditEventDetail(record));
    expect(detail).toMatchObject({ schemaVersion: '1', chain: { chainId: record.chainId, seq: 0 } });
    // A field the schema does not list is refused: a new field is a new schema version.
    expect(auditEventDetailSchema.safeParse({ ...detail, secretAccessKey: 'x' }).success).toBe(false);
    expect(JSON.stringify(auditEventJsonSchema())).toContain('"additionalProperties":false');
  });

  it('publishes every field of the one field list that schema version 1 names, and no other', async () => {
    const sample = {
      string: 'x',
      instant: '2026-01-01T00:00:00.000Z',
      integer: 1,
      number: 1.5,
      map: { team: 'a' },
    } as const;
    const record = await chained(
      Object.fromEntries(Object.entries(OPTIONAL_AUDIT_FIELDS).map(([name, kind]) => [name, sample[kind]])),
    );
    const detail = auditEventDetailSchema.parse(auditEventDetail(record));
    const left = Object.keys(OPTIONAL_AUDIT_FIELDS).filter((name) => !(name in detail));
    expect(left.sort()).toEqual(['accessRequestId', 'slackUserId']);
  });
});
