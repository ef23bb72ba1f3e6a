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
  chain(chainId: string): Promise<ChainedAuditEvent[]>;
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

async function readChains(reader: ChainReader, chainIds: Set<string>): Promise<ChainedAuditEvent[]> {
  const records: ChainedAuditEvent[] = [];
  for (const chainId of [...chainIds].sort()) records.push(...(await reader.chain(chainId)));
  return records;
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
