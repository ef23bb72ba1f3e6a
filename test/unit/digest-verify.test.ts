import { describe, expect, it } from 'vitest';
import type { ChainedAuditEvent } from '../../src/domain/audit/audit.js';
import { canonicalJson, hashRecord } from '../../src/domain/audit/chain.js';
import type { SignedDigest } from '../../src/domain/audit/digest.js';
import {
  type AuditVerificationReport,
  parseSignedDigest,
  verifyChainsOnly,
} from '../../src/domain/audit/digest-verify.js';
import { digestHarness } from './digest-harness.js';

const kinds = (report: AuditVerificationReport) => report.findings.map((finding) => finding.kind);

function written(signed: SignedDigest | undefined): SignedDigest {
  if (!signed) throw new Error('the writer wrote no digest');
  return signed;
}

function at(records: ChainedAuditEvent[], index: number): ChainedAuditEvent {
  const record = records[index];
  if (!record) throw new Error(`no record ${index}`);
  return record;
}

/** Two records of one chain, both anchored by one digest: the table an attacker then edits. */
async function twoRecordsDigested() {
  const h = digestHarness();
  await h.append();
  await h.append();
  await h.digest();
  return h;
}

/** Each way the table or the bucket can be tampered with is named, with what it is about. */
describe('verifying audit records against signed digests', () => {
  it('names a digest that is not a credvend digest, and the link of the next one to it', async () => {
    const h = digestHarness();
    await h.append();
    const first = written(await h.digest());
    await h.append();
    await h.digest();
    h.objects.set(first.digest.key, '{"digest":"no"}');
    const report = await h.verify();
    expect(report.ok).toBe(false);
    expect(report.findings).toContainEqual(
      expect.objectContaining({ kind: 'malformed-digest', digestKey: first.digest.key }),
    );
    expect(kinds(report)).toContain('broken-digest-link');
    expect(parseSignedDigest('not json')).toBeUndefined();
  });

  it('names a previous digest that is gone', async () => {
    const h = digestHarness();
    await h.append();
    const first = written(await h.digest());
    await h.append();
    await h.digest();
    h.objects.delete(first.digest.key);
    const report = await h.verify();
    expect(report.findings).toEqual([
      expect.objectContaining({ kind: 'missing-digest', digestKey: first.digest.key }),
    ]);
  });

  it('names a digest that starts a new digest chain after another', async () => {
    const h = digestHarness();
    await h.append();
    await h.digest();
    h.forgetLatestDigest();
    await h.append();
    const restarted = written(await h.digest());
    const report = await h.verify();
    expect(report.findings).toContainEqual(
      expect.objectContaining({ kind: 'broken-digest-link', digestKey: restarted.digest.key }),
    );
    expect(report.findings.find((f) => f.kind === 'broken-digest-link')?.detail).toMatch(
      /^starts a new digest chain after /,
    );
  });

  it('names a digest whose predecessor is not the digest listed before it', async () => {
    const h = digestHarness();
    for (let i = 0; i < 3; i++) {
      await h.append();
      await h.digest();
    }
    const [, middle, last] = [...h.objects.keys()].sort();
    const report = await h.verify(undefined, (key) => key !== middle);
    const link = report.findings.find((f) => f.kind === 'broken-digest-link');
    expect(link).toMatchObject({ digestKey: last });
    expect(link?.detail).toMatch(new RegExp(`^links to ${middle}, but the digest before it is `));
  });

  it('names an edited digest twice: its signature, and the link of the digest after it', async () => {
    const h = digestHarness();
    await h.append();
    const first = written(await h.digest());
    await h.append();
    const second = written(await h.digest());
    h.objects.set(
      first.digest.key,
      canonicalJson({ ...first, digest: { ...first.digest, recordCount: first.digest.recordCount + 1 } }),
    );
    const report = await h.verify();
    expect(report.findings).toContainEqual(
      expect.objectContaining({ kind: 'bad-signature', digestKey: first.digest.key }),
    );
    expect(report.findings).toContainEqual(
      expect.objectContaining({ kind: 'broken-digest-link', digestKey: second.digest.key }),
    );
  });

  it('names a digest moved to another key, and two digests that swapped places', async () => {
    const moved = digestHarness();
    await moved.append();
    const first = written(await moved.digest());
    moved.objects.delete(first.digest.key);
    moved.objects.set('digests/zz-moved', canonicalJson(first));
    expect((await moved.verify()).findings).toContainEqual(
      expect.objectContaining({ kind: 'misplaced-digest', digestKey: 'digests/zz-moved' }),
    );

    const swapped = digestHarness();
    await swapped.append();
    const a = written(await swapped.digest());
    await swapped.append();
    const b = written(await swapped.digest());
    swapped.objects.set(a.digest.key, canonicalJson(b));
    swapped.objects.set(b.digest.key, canonicalJson(a));
    const report = await swapped.verify();
    expect(report.findings.filter((f) => f.kind === 'swapped-digests')).toEqual([
      expect.objectContaining({ digestKey: a.digest.key }),
    ]);
    expect(kinds(report)).not.toContain('misplaced-digest');
  });

  it('names records anchored by a digest and then cut from the table', async () => {
    const h = digestHarness();
    for (let i = 0; i < 3; i++) await h.append();
    await h.digest();
    const cut = h.records.pop();
    const report = await h.verify();
    expect(report.findings).toEqual([
      expect.objectContaining({ kind: 'truncated', chainId: cut?.chainId, seq: 2 }),
    ]);
  });

  it('names an anchored record replaced by one with a fresh hash, which the chain alone cannot see', async () => {
    const h = await twoRecordsDigested();
    const { hash: _, ...content } = at(h.records, 1);
    const forged = { ...content, principal: 'mallory' };
    h.records[1] = { ...forged, hash: hashRecord(forged) };
    expect(verifyChainsOnly('2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z', h.records).ok).toBe(true);
    const report = await h.verify();
    expect(report.findings).toEqual([expect.objectContaining({ kind: 'rehashed', seq: 1 })]);
  });

  it('names a chain the digests anchored that is gone from the table', async () => {
    const h = await twoRecordsDigested();
    const chainId = at(h.records, 0).chainId;
    h.records.length = 0;
    const report = await h.verify();
    expect(report.findings).toEqual([expect.objectContaining({ kind: 'deleted-chain', chainId })]);
    expect(report.findings[0]?.detail).toMatch(/^seq 0\.\.1 anchored by /);
  });

  it('names a chain no digest knows whose records fall in a window the digests cover', async () => {
    const h = await twoRecordsDigested();
    const genuine = at(h.records, 1);
    await h.appendToNewChain(new Date(Date.parse(genuine.time) - 500));
    const report = await h.verify();
    expect(report.findings).toEqual([expect.objectContaining({ kind: 'fabricated-chain' })]);
    expect(report.findings[0]?.chainId).not.toBe(genuine.chainId);
  });

  it('names a record written into a known chain with a time the digests already covered', async () => {
    const h = await twoRecordsDigested();
    await h.append('credentials.issue', new Date(Date.parse(at(h.records, 0).time) + 500));
    const report = await h.verify();
    expect(report.findings).toEqual([expect.objectContaining({ kind: 'backdated', seq: 2 })]);
  });

  it('notes records newer than the last digest, and warns when there are no digests at all', async () => {
    const h = digestHarness();
    await h.append();
    await h.digest();
    await h.append();
    const newer = await h.verify();
    expect(newer).toMatchObject({ ok: true, anchoredRecords: 1, unanchoredRecords: 1 });
    expect(kinds(newer)).toEqual(['digests-end-early', 'unanchored']);

    const none = digestHarness();
    await none.append();
    const report = await none.verify();
    expect(report).toMatchObject({ ok: true, digestsChecked: 0, unanchoredRecords: 1 });
    expect(report.findings[0]).toMatchObject({ kind: 'digests-end-early', severity: 'warning' });
    expect(report.findings[0]?.detail).toMatch(/^the digests given are none, before the newest record/);
    expect(report.lastDigest).toBeUndefined();
  });

  it('keeps at most 1 000 findings, errors and warnings first, and counts what it left out', async () => {
    const h = digestHarness();
    for (let i = 0; i < 1001; i++) await h.append();
    const report = await h.verify();
    expect(report.findings).toHaveLength(1000);
    expect(report.findingsOmitted).toBe(2);
    expect(report.findings[0]?.kind).toBe('digests-end-early');
  });
});

describe('verifying chain links only (no digests configured)', () => {
  const window = ['2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'] as const;

  it('passes intact chains and names an edited record, saying no digest was checked', async () => {
    const h = digestHarness();
    await h.append();
    await h.append();
    const intact = verifyChainsOnly(...window, h.records);
    expect(intact).toMatchObject({ ok: true, anchoring: 'chains-only', chainsChecked: 1, recordsChecked: 2 });
    expect(intact.unanchoredRecords).toBe(2);

    h.records[0] = { ...at(h.records, 0), principal: 'mallory' };
    const edited = verifyChainsOnly(...window, h.records);
    expect(edited.ok).toBe(false);
    expect(edited.firstBreak).toMatchObject({ kind: 'edited', seq: 0 });
  });
});
