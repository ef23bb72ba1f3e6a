import type { KeyObject } from 'node:crypto';
import type { ChainedAuditEvent } from './audit.js';
import {
  type AuditVerificationReport,
  type DigestSource,
  parseSignedDigest,
  verifyAgainstDigests,
  verifyChainsOnly,
} from './digest-verify.js';

/** What verification reads from the audit table. */
export interface ChainReader {
  chainsBetween(from: string, to: string): Promise<string[]>;
  /** Every record of these chains, in one read of the table rather than one per chain. */
  chains(chainIds: readonly string[]): Promise<ChainedAuditEvent[]>;
}

/** The digest chain and the one key it is checked with; absent, only chain links are checked. */
export interface DigestAnchoring {
  digests: DigestSource;
  publicKey(): Promise<KeyObject>;
}

/**
 * Verifies every chain with a record in [from, to], each in full, and, with digests, every
 * chain a digest of that range anchored (a chain deleted from the table is still named).
 */
export async function verifyAuditRange(
  reader: ChainReader,
  from: string,
  to: string,
  anchoring?: DigestAnchoring,
): Promise<AuditVerificationReport> {
  const chainIds = new Set(await reader.chainsBetween(from, to));
  if (!anchoring) return verifyChainsOnly(from, to, await readChains(reader, chainIds));
  const cached = cachingSource(anchoring.digests);
  for (const object of await cached.overlapping(from, to)) {
    const digest = parseSignedDigest(object.body)?.digest;
    for (const chain of [...(digest?.advanced ?? []), ...(digest?.known ?? [])]) chainIds.add(chain.chainId);
  }
  return verifyAgainstDigests({
    from,
    to,
    records: await readChains(reader, chainIds),
    digests: cached,
    publicKey: await anchoring.publicKey(),
  });
}

/** The chains' records, chain by chain (ids in order), each in sequence order. */
async function readChains(reader: ChainReader, chainIds: Set<string>): Promise<ChainedAuditEvent[]> {
  if (chainIds.size === 0) return [];
  const records = await reader.chains([...chainIds]);
  return records.sort((a, b) => (a.chainId === b.chainId ? a.seq - b.seq : a.chainId < b.chainId ? -1 : 1));
}

/** The digests are listed once per verification, however often they are asked for. */
function cachingSource(source: DigestSource): DigestSource {
  let listed: ReturnType<DigestSource['overlapping']> | undefined;
  return {
    overlapping: (from, to) => {
      listed ??= source.overlapping(from, to);
      return listed;
    },
    get: (key) => source.get(key),
  };
}
