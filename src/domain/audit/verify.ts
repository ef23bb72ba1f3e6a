import type { ChainedAuditEvent } from './audit.js';
import { GENESIS_HASH, hashRecord } from './chain.js';

export type ChainBreakKind = 'edited' | 'missing' | 'reordered' | 'inserted' | 'bad-start';

export interface ChainBreak {
  chainId: string;
  seq: number;
  eventId: string;
  kind: ChainBreakKind;
  detail: string;
}

/**
 * Checks one chain, given all of its records, and returns every broken link, in order:
 * - edited: a record's content no longer matches its own hash;
 * - missing: a sequence number is skipped (a record was deleted);
 * - inserted: two records claim the same sequence number;
 * - reordered: a record does not point at the hash of its predecessor;
 * - bad-start: the first record is not seq 0 pointing at the genesis hash.
 * Truncation of a chain's newest records is not detectable from the chain alone: the
 * digests (audit-digest-verify.ts) anchor chain heads outside the table for that.
 */
export function chainBreaks(records: readonly ChainedAuditEvent[]): ChainBreak[] {
  const sorted = [...records].sort((a, b) => a.seq - b.seq);
  const breaks: ChainBreak[] = [];
  let previous: ChainedAuditEvent | undefined;
  for (const record of sorted) {
    const at = (kind: ChainBreakKind, detail: string) =>
      breaks.push({ chainId: record.chainId, seq: record.seq, eventId: record.eventId, kind, detail });
    const { hash, ...content } = record;
    if (hashRecord(content) !== hash) at('edited', 'content does not match its hash');
    if (!previous) {
      if (record.seq !== 0 || record.prevHash !== GENESIS_HASH) {
        at('bad-start', `chain starts at seq ${record.seq}, not at seq 0 from the genesis hash`);
      }
    } else if (record.seq === previous.seq) {
      at('inserted', `seq ${record.seq} appears twice (${previous.eventId}, ${record.eventId})`);
    } else if (record.seq !== previous.seq + 1) {
      at('missing', `seq ${previous.seq + 1}..${record.seq - 1} missing after ${previous.eventId}`);
    } else if (record.prevHash !== previous.hash) {
      at('reordered', `prevHash does not match the hash of seq ${previous.seq}`);
    }
    previous = record;
  }
  return breaks;
}

/** The first broken link of one chain, or undefined. */
export function verifyChain(records: readonly ChainedAuditEvent[]): ChainBreak | undefined {
  return chainBreaks(records)[0];
}
