import type { ChainedAuditEvent } from './audit.js';
import { GENESIS_HASH, hashRecord } from './audit-chain.js';

export type ChainBreakKind = 'edited' | 'missing' | 'reordered' | 'inserted' | 'bad-start';

export interface ChainBreak {
  chainId: string;
  seq: number;
  eventId: string;
  kind: ChainBreakKind;
  detail: string;
}

/**
 * Checks one chain, given all of its records. Returns the first broken link or undefined.
 * - edited: a record's content no longer matches its own hash;
 * - missing: a sequence number is skipped (a record was deleted);
 * - inserted: two records claim the same sequence number;
 * - reordered: a record does not point at the hash of its predecessor;
 * - bad-start: the first record is not seq 0 pointing at the genesis hash.
 * Truncation of a chain's newest records is not detectable from the chain alone.
 */
export function verifyChain(records: readonly ChainedAuditEvent[]): ChainBreak | undefined {
  const sorted = [...records].sort((a, b) => a.seq - b.seq);
  let previous: ChainedAuditEvent | undefined;
  for (const record of sorted) {
    const at = (kind: ChainBreakKind, detail: string): ChainBreak => ({
      chainId: record.chainId,
      seq: record.seq,
      eventId: record.eventId,
      kind,
      detail,
    });
    const { hash, ...content } = record;
    if (hashRecord(content) !== hash) return at('edited', 'content does not match its hash');
    if (!previous) {
      if (record.seq !== 0 || record.prevHash !== GENESIS_HASH) {
        return at('bad-start', `chain starts at seq ${record.seq}, not at seq 0 from the genesis hash`);
      }
    } else if (record.seq === previous.seq) {
      return at('inserted', `seq ${record.seq} appears twice (${previous.eventId}, ${record.eventId})`);
    } else if (record.seq !== previous.seq + 1) {
      return at('missing', `seq ${previous.seq + 1}..${record.seq - 1} missing after ${previous.eventId}`);
    } else if (record.prevHash !== previous.hash) {
      return at('reordered', `prevHash does not match the hash of seq ${previous.seq}`);
    }
    previous = record;
  }
  return undefined;
}

export interface VerificationReport {
  ok: boolean;
  from: string;
  to: string;
  chainsChecked: number;
  recordsChecked: number;
  firstBreak?: ChainBreak;
}

/** Verifies every chain with a record in [from, to], each in full, and reports the first break. */
export async function verifyAuditRange(
  reader: {
    chainsBetween(from: string, to: string): Promise<string[]>;
    chain(chainId: string): Promise<ChainedAuditEvent[]>;
  },
  from: string,
  to: string,
): Promise<VerificationReport> {
  const chainIds = (await reader.chainsBetween(from, to)).sort();
  let recordsChecked = 0;
  for (const chainId of chainIds) {
    const records = await reader.chain(chainId);
    recordsChecked += records.length;
    const broken = verifyChain(records);
    if (broken)
      return {
        ok: false,
        from,
        to,
        chainsChecked: chainIds.indexOf(chainId) + 1,
        recordsChecked,
        firstBreak: broken,
      };
  }
  return { ok: true, from, to, chainsChecked: chainIds.length, recordsChecked };
}
