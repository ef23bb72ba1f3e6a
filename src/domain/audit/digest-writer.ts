import type { Clock } from '../shared/clock.js';
import {
  buildDigest,
  type ChainHead,
  DIGEST_CLOCK_SKEW_SECONDS,
  type DigestSigningAlgorithm,
  digestSigningString,
  type ForwardDatedRecord,
  forwardDatedToRefuse,
  type SignedDigest,
} from './digest.js';

/** Signs digests with an asymmetric key (KMS `Sign`); the private key never leaves the signer. */
export interface DigestSigner {
  readonly keyId: string;
  readonly algorithm: DigestSigningAlgorithm;
  sign(message: string): Promise<Buffer>;
}

/** Where digests live (S3 with Object Lock). */
export interface DigestStore {
  /** The newest digest written, read back from the store; undefined before the first. */
  latest(): Promise<SignedDigest | undefined>;
  put(signed: SignedDigest): Promise<void>;
}

/** The head of every chain with records in a time window, read from the audit table. */
export interface ChainHeadSource {
  /**
   * Records with `time` in (after, upTo]; `after` undefined: from the first record. Records
   * whose id is in `refused` are left out, as if they were not in the table.
   */
  headsBetween(
    after: string | undefined,
    upTo: string,
    refused?: ReadonlySet<string>,
  ): Promise<Array<ChainHead & { records: number; minSeq: number }>>;
  /** Every record with `time` after `after`, each named. */
  recordsAfter(after: string): Promise<Array<Omit<ForwardDatedRecord, 'seenAt'>>>;
}

export interface DigestWriterDependencies {
  heads: ChainHeadSource;
  signer: DigestSigner;
  store: DigestStore;
  clock: Clock;
  /** Key prefix in the bucket, e.g. `digests/`. */
  prefix: string;
  /**
   * How far behind now a digest's window ends. A record's `time` is taken before its write
   * lands (and the by-day index is eventually consistent), so a window that ended at "now"
   * could miss a record still in flight; the vend function's timeout is far below this.
   */
  settleSeconds: number;
}

/** The first digest anchors every record already in the table. */
const FIRST_DIGEST_START = new Date(0).toISOString();

/**
 * Writes the next digest: the heads of chains that advanced since the previous one, the
 * set of chains known, counts, the window, and the previous digest's hash, signed.
 * Returns undefined when no time has passed since the previous digest's window.
 */
export async function writeNextDigest(deps: DigestWriterDependencies): Promise<SignedDigest | undefined> {
  const now = deps.clock.now();
  const endTime = new Date(now.getTime() - deps.settleSeconds * 1000).toISOString();
  const previous = await deps.store.latest();
  const startTime = previous?.digest.endTime;
  if (startTime !== undefined && startTime >= endTime) return undefined;
  const forwardDated = forwardDatedToRefuse(
    previous,
    await findForwardDated(deps.heads, now),
    startTime ?? FIRST_DIGEST_START,
  );
  const refused = new Set(forwardDated.map((record) => record.eventId));
  const window = await deps.heads.headsBetween(startTime, endTime, refused);
  const digest = buildDigest({
    prefix: deps.prefix,
    startTime: startTime ?? FIRST_DIGEST_START,
    endTime,
    ...(previous ? { previous } : {}),
    window,
    forwardDated,
  });
  const signature = await deps.signer.sign(digestSigningString(digest));
  const signed: SignedDigest = {
    digest,
    signingAlgorithm: deps.signer.algorithm,
    keyId: deps.signer.keyId,
    signature: signature.toString('base64'),
  };
  await deps.store.put(signed);
  return signed;
}

/** Records dated after `now` by more than the stated clock skew: no writer stamps one. */
async function findForwardDated(heads: ChainHeadSource, now: Date): Promise<ForwardDatedRecord[]> {
  const limit = new Date(now.getTime() + DIGEST_CLOCK_SKEW_SECONDS * 1000).toISOString();
  const seenAt = now.toISOString();
  return (await heads.recordsAfter(limit)).map((record) => ({ ...record, seenAt }));
}
