import { constants, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import type { AuditEvent, ChainedAuditEvent } from '../../src/domain/audit/audit.js';
import { ChainedAuditLog, canonicalJson } from '../../src/domain/audit/chain.js';
import type { ChainHead, DigestSigningAlgorithm, SignedDigest } from '../../src/domain/audit/digest.js';
import { type DigestObject, verifyAgainstDigests } from '../../src/domain/audit/digest-verify.js';
import { writeNextDigest } from '../../src/domain/audit/digest-writer.js';
import { newEventId } from '../../src/domain/shared/ids.js';

/**
 * The digest writer and verifier with in-memory ports and a key made here (no KMS, no S3).
 * `records` and `objects` (digest key → body) are the table and the bucket: a test edits them
 * as an attacker with write access would.
 */
export function digestHarness(algorithm: DigestSigningAlgorithm = 'ECDSA_SHA_256') {
  const keys =
    algorithm === 'ECDSA_SHA_256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const records: ChainedAuditEvent[] = [];
  const objects = new Map<string, string>();
  let latest: SignedDigest | undefined;
  let now = Date.parse('2026-03-01T00:00:00.000Z');
  const deps = {
    heads: {
      headsBetween: async (after: string | undefined, upTo: string, refused = new Set<string>()) => {
        const heads = new Map<string, ChainHead & { records: number; minSeq: number }>();
        const inWindow = (r: ChainedAuditEvent) =>
          (after === undefined || r.time > after) && r.time <= upTo && !refused.has(r.eventId);
        for (const r of records.filter(inWindow)) {
          const seen = heads.get(r.chainId);
          const head = { chainId: r.chainId, seq: r.seq, hash: r.hash, time: r.time };
          if (!seen) heads.set(r.chainId, { ...head, records: 1, minSeq: r.seq });
          else Object.assign(seen, r.seq > seen.seq ? head : {}, { records: seen.records + 1 });
        }
        return [...heads.values()];
      },
      recordsAfter: async (after: string) =>
        records
          .filter((r) => r.time > after)
          .map(({ chainId, seq, eventId, time, hash }) => ({ chainId, seq, eventId, time, hash })),
    },
    signer: {
      keyId: 'test-key',
      algorithm,
      sign: async (message: string) =>
        algorithm === 'ECDSA_SHA_256'
          ? sign('sha256', Buffer.from(message), keys.privateKey)
          : sign('sha256', Buffer.from(message), {
              key: keys.privateKey,
              padding: constants.RSA_PKCS1_PSS_PADDING,
              saltLength: 32,
            }),
    },
    store: {
      latest: async () => latest,
      put: async (signed: SignedDigest) => {
        latest = signed;
        objects.set(signed.digest.key, canonicalJson(signed));
      },
    },
    clock: { now: () => new Date(now) },
    prefix: 'digests/',
    settleSeconds: 0,
  };
  /** A chained log writing into `records`; a second one is a chain no digest has seen. */
  const chainedLog = () =>
    new ChainedAuditLog({ putNew: async (r) => void records.push(r) }, () => newEventId(), 1);
  const event = (time: Date, action: AuditEvent['action']): AuditEvent => ({
    eventId: newEventId(time),
    time: time.toISOString(),
    action,
    outcome: 'issued',
    requestId: 'r',
    principal: 'p',
    authMethod: 'oidc',
  });
  const log = chainedLog();
  /** Appends one record a second after the last step, or at `at` (a backdated write). */
  const append = (action: AuditEvent['action'] = 'credentials.issue', at?: Date) => {
    if (!at) now += 1000;
    return log.append(event(at ?? new Date(now), action));
  };
  const digest = () => {
    now += 1000;
    return writeNextDigest(deps);
  };
  const verify = (publicKey: KeyObject = keys.publicKey, listed = (_key: string) => true) =>
    verifyAgainstDigests({
      from: '2026-01-01T00:00:00.000Z',
      to: new Date(now + 1).toISOString(),
      records,
      publicKey,
      digests: {
        overlapping: async () =>
          [...objects]
            .filter(([key]) => listed(key))
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([key, body]): DigestObject => ({ key, body })),
        get: async (key) => (objects.has(key) ? { key, body: objects.get(key) ?? '' } : undefined),
      },
    });
  return {
    records,
    objects,
    append,
    digest,
    verify,
    /** Another chain's log, written at `at`: records no digest has anchored. */
    appendToNewChain: (at: Date, log = chainedLog()) => log.append(event(at, 'credentials.issue')),
    /** The next digest starts a new digest chain, as a writer that lost its state would. */
    forgetLatestDigest: () => {
      latest = undefined;
    },
    advance: (ms: number) => (now += ms),
  };
}
