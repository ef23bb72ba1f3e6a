import { createHash } from 'node:crypto';
import { canonicalJson } from './chain.js';

/** KMS signing algorithms credvend accepts for digests (asymmetric only). */
export type DigestSigningAlgorithm = 'ECDSA_SHA_256' | 'RSASSA_PSS_SHA_256';

/** The newest record of one chain as a digest saw it. */
export interface ChainHead {
  chainId: string;
  seq: number;
  hash: string;
  /** `time` of the head record. */
  time: string;
}

/** A chain that grew in a digest's window: its new head, and which records the window added. */
export interface AdvancedChain extends ChainHead {
  /** First sequence number anchored for the first time by this digest. */
  fromSeq: number;
  /** Records of this chain seen in the window. */
  records: number;
}

/**
 * A record already in the table when a digest ran, dated after that run by more than
 * {@link DIGEST_CLOCK_SKEW_SECONDS}: no honest writer stamps one (records are stamped with the
 * writer's clock as they are written), so it is named in the digest and never anchored.
 */
export interface ForwardDatedRecord {
  chainId: string;
  seq: number;
  eventId: string;
  time: string;
  hash: string;
  /** The digest run's clock when the record was first seen. */
  seenAt: string;
}

/**
 * How far a record's time may be ahead of the digest run that sees it. Writers are Lambda
 * functions on NTP-synced clocks; a record further ahead is a forgery that would otherwise be
 * anchored as genuine once its time came.
 */
export const DIGEST_CLOCK_SKEW_SECONDS = 120;

/**
 * One digest, CloudTrail-style: it anchors every record whose `time` is in
 * (startTime, endTime] by the head of each chain that advanced, and links to the
 * previous digest by hash, so that digests form their own chain outside the table.
 */
export interface AuditDigest {
  version: 1;
  /** The object key the digest was written under: a moved or swapped digest names the wrong key. */
  key: string;
  startTime: string;
  endTime: string;
  previousDigest: { key: string; hash: string } | null;
  advanced: AdvancedChain[];
  /** The set of chains known: every chain that advanced within the last `KNOWN_CHAIN_DAYS` days. */
  known: ChainHead[];
  /** Records in this window, and the number of chains known. */
  recordCount: number;
  knownChainCount: number;
  /**
   * Forward-dated records refused, carried from digest to digest until the window holding
   * their time has passed (absent when there are none, so such digests keep their old shape).
   */
  forwardDated?: ForwardDatedRecord[];
}

/** What is stored in S3: the digest and its signature, in one self-contained JSON object. */
export interface SignedDigest {
  digest: AuditDigest;
  signingAlgorithm: DigestSigningAlgorithm;
  keyId: string;
  /** Base64 of the KMS signature over `digestSigningString(digest)`. */
  signature: string;
}

/**
 * Chains stay in `known` this long after their last record. A chain belongs to one Lambda
 * container, so chains come and go; without retirement every digest would grow forever.
 * Verification does not depend on `known`: each chain is anchored by the digests whose
 * window it advanced in.
 */
export const KNOWN_CHAIN_DAYS = 2;

const DAY_MS = 86_400_000;

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * What KMS signs: a short string (KMS `RAW` messages are at most 4096 bytes; KMS hashes it
 * with SHA-256) naming the format and the SHA-256 of the digest's canonical JSON.
 */
export function digestSigningString(digest: AuditDigest): string {
  return `credvend-audit-digest-v1\n${digest.key}\n${sha256Hex(canonicalJson(digest))}`;
}

/** The hash the next digest links to: over the whole signed object, signature included. */
export function signedDigestHash(signed: SignedDigest): string {
  return sha256Hex(canonicalJson(signed));
}

/** `<prefix>YYYY/MM/DD/<end time>.json`: by date like CloudTrail; keys sort by time. */
function digestKey(prefix: string, endTime: string): string {
  const [date = ''] = endTime.split('T');
  const [year, month, day] = date.split('-');
  return `${prefix}${year}/${month}/${day}/credvend-digest-${endTime.replace(/[:]/g, '-')}.json`;
}

/** Builds the next digest from the previous one (if any) and the heads seen in the window. */
export function buildDigest(input: {
  prefix: string;
  startTime: string;
  endTime: string;
  previous?: SignedDigest;
  window: Array<ChainHead & { records: number; minSeq: number }>;
  /** Every forward-dated record refused so far whose time is after `startTime`. */
  forwardDated?: readonly ForwardDatedRecord[];
}): AuditDigest {
  const { previous } = input;
  const known = new Map((previous?.digest.known ?? []).map((head) => [head.chainId, head]));
  const advanced: AdvancedChain[] = [];
  for (const seen of [...input.window].sort((a, b) => a.chainId.localeCompare(b.chainId))) {
    const before = known.get(seen.chainId);
    if (before && before.seq >= seen.seq) continue;
    const { chainId, seq, hash, time, records } = seen;
    advanced.push({ chainId, seq, hash, time, records, fromSeq: before ? before.seq + 1 : seen.minSeq });
    known.set(chainId, { chainId, seq, hash, time });
  }
  const oldest = Date.parse(input.endTime) - KNOWN_CHAIN_DAYS * DAY_MS;
  const stillKnown = [...known.values()]
    .filter((head) => Date.parse(head.time) >= oldest)
    .sort((a, b) => a.chainId.localeCompare(b.chainId));
  return {
    version: 1,
    key: digestKey(input.prefix, input.endTime),
    startTime: input.startTime,
    endTime: input.endTime,
    previousDigest: previous ? { key: previous.digest.key, hash: signedDigestHash(previous) } : null,
    advanced,
    known: stillKnown,
    recordCount: input.window.reduce((sum, chain) => sum + chain.records, 0),
    knownChainCount: stillKnown.length,
    ...(input.forwardDated?.length ? { forwardDated: [...input.forwardDated] } : {}),
  };
}

/**
 * The forward-dated records a digest over (startTime, endTime] must refuse: those it finds now
 * and those earlier digests refused whose time has not yet been passed by a window.
 */
export function forwardDatedToRefuse(
  previous: SignedDigest | undefined,
  found: readonly ForwardDatedRecord[],
  startTime: string,
): ForwardDatedRecord[] {
  const byId = new Map<string, ForwardDatedRecord>();
  for (const record of previous?.digest.forwardDated ?? [])
    if (record.time > startTime) byId.set(record.eventId, record);
  for (const record of found) if (!byId.has(record.eventId)) byId.set(record.eventId, record);
  return [...byId.values()].sort((a, b) => a.eventId.localeCompare(b.eventId));
}
