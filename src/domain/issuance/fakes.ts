import { randomBytes } from 'node:crypto';
import type { Clock } from '../shared/clock.js';
import { systemClock } from '../shared/clock.js';
import { RateLimitedError } from '../shared/errors.js';
import { Faults } from '../shared/fakes.js';
import type { AssumedRole, Entitlement, IssuancePlan } from '../shared/types.js';
import { MAX_CLAIM_RULES_PER_ISSUER, subjectKindOf } from '../subjects/subjects.js';
import type {
  EntitlementStore,
  IdempotencyRecord,
  IdempotencyStore,
  QuotaLedger,
  QuotaWindow,
  RateLimitBucket,
  RateLimiter,
  RoleAssumer,
} from './ports.js';
import type { Sealed } from './sealing.js';

/**
 * The entitlement table in memory: rows keyed by (subject, id), as DynamoDB holds them.
 * Issuance reads one partition per subject key; the admin and access-request fakes write
 * through `put` and `remove`, so a grant or an admin change is what the next issuance reads.
 */
export class InMemoryEntitlements implements EntitlementStore {
  private readonly rows = new Map<string, Map<string, Entitlement>>();
  /** id → the subject its row is under and its version: the `#id` registry rows, unique ids across subjects. */
  readonly registry = new Map<string, { subject: string; version: number }>();
  readonly faults = new Faults<'read'>();

  constructor(initial: readonly Entitlement[] = []) {
    for (const row of initial) this.put(row);
  }

  async listForSubjects(subjectKeys: readonly string[]): Promise<Entitlement[]> {
    this.faults.check('read');
    return subjectKeys.flatMap((subject) => {
      const rows = this.bySubject(subject);
      // The DynamoDB store fails closed past the per-issuer cap: an unread row could be a deny.
      if (subjectKindOf(subject) === 'claim-rule' && rows.length > MAX_CLAIM_RULES_PER_ISSUER) {
        throw new Error(`subject ${subject} holds more than ${MAX_CLAIM_RULES_PER_ISSUER} claim rules`);
      }
      return rows;
    });
  }

  bySubject(subject: string): Entitlement[] {
    return [...(this.rows.get(subject)?.values() ?? [])].map((e) => structuredClone(e));
  }

  /** Every row, partition by partition. */
  all(): Entitlement[] {
    return [...this.rows.values()].flatMap((rows) => [...rows.values()]).map((e) => structuredClone(e));
  }

  put(entitlement: Entitlement): void {
    const partition = this.rows.get(entitlement.subject) ?? new Map<string, Entitlement>();
    partition.set(entitlement.id, structuredClone(entitlement));
    this.rows.set(entitlement.subject, partition);
    this.registry.set(entitlement.id, { subject: entitlement.subject, version: entitlement.version });
  }

  remove(subject: string, id: string): void {
    this.rows.get(subject)?.delete(id);
    if (this.registry.get(id)?.subject === subject) this.registry.delete(id);
  }
}

/**
 * STS as far as issuance sees it: fresh credentials for the plan's duration from the
 * clock's now, the assumed-role ARN with the session name, or the failure injected.
 */
export class FakeRoleAssumer implements RoleAssumer {
  readonly calls: IssuancePlan[] = [];
  readonly faults = new Faults<'assumeRole'>();

  constructor(private readonly clock: Clock = systemClock) {}

  async assumeRole(plan: IssuancePlan): Promise<AssumedRole> {
    this.calls.push(plan);
    this.faults.check('assumeRole');
    const [, , , , account, resource] = plan.roleArn.split(':');
    const roleName = resource?.split('/').at(-1) ?? 'role';
    return {
      credentials: {
        accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
        secretAccessKey: randomBytes(30).toString('base64'),
        sessionToken: `FQoG${randomBytes(60).toString('base64')}`,
        expiration: new Date(this.clock.now().getTime() + plan.durationSeconds * 1000),
      },
      assumedRoleArn: `arn:aws:sts::${account}:assumed-role/${roleName}/${plan.sessionName}`,
      packedPolicySize: Math.min(100, Math.ceil(plan.sessionPolicyChars / 20)),
      stsRequestId: randomBytes(16).toString('hex'),
    };
  }
}

/**
 * Exact fixed-window counters, as LeasedRateLimiter in one container with a block of 1:
 * every bucket is counted, and when one is full none is and RateLimitedError names its scope.
 */
export class InMemoryRateLimiter implements RateLimiter {
  private readonly counts = new Map<string, number>();
  readonly faults = new Faults<'take'>();

  async take(buckets: readonly RateLimitBucket[], now: Date): Promise<void> {
    this.faults.check('take');
    const windows = buckets.map((bucket) => {
      const windowMs = bucket.windowSeconds * 1000;
      const start = Math.floor(now.getTime() / windowMs) * windowMs;
      return {
        bucket,
        end: start + windowMs,
        key: `${bucket.scope}|${bucket.id}|${bucket.windowSeconds}|${start}`,
      };
    });
    const full = windows.find((w) => (this.counts.get(w.key) ?? 0) >= w.bucket.limit);
    if (full) {
      throw new RateLimitedError(
        full.bucket.scope,
        Math.max(1, Math.ceil((full.end - now.getTime()) / 1000)),
      );
    }
    for (const w of windows) this.counts.set(w.key, (this.counts.get(w.key) ?? 0) + 1);
  }

  /** What was counted in the window holding `now` for this scope and id. */
  count(scope: RateLimitBucket['scope'], id: string, windowSeconds: number, now: Date): number {
    const windowMs = windowSeconds * 1000;
    const start = Math.floor(now.getTime() / windowMs) * windowMs;
    return this.counts.get(`${scope}|${id}|${windowSeconds}|${start}`) ?? 0;
  }
}

const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

type StoredKey =
  | { state: 'pending'; requestHash: string; expiresAt: number }
  | {
      state: 'done';
      requestHash: string;
      sealed: Sealed;
      expiresAt: number;
    };

/**
 * Idempotency keys as DynamoDbIdempotencyStore keeps them: a claim wins when the key is new
 * or its `expiresAt` (whole seconds, the TTL attribute) is before now, and otherwise returns
 * the holder's record; `complete` and `release` apply only to a pending key and throw (a
 * failed condition) otherwise.
 */
export class InMemoryIdempotencyStore implements IdempotencyStore {
  private readonly keys = new Map<string, StoredKey>();
  readonly faults = new Faults<'claim' | 'complete' | 'release'>();

  async claim(
    keyHash: string,
    requestHash: string,
    now: Date,
    pendingUntil: Date,
  ): Promise<IdempotencyRecord | undefined> {
    this.faults.check('claim');
    const held = this.keys.get(keyHash);
    if (held && !(held.expiresAt < epochSeconds(now))) {
      return held.state === 'pending'
        ? { state: 'pending', requestHash: held.requestHash }
        : {
            state: 'done',
            requestHash: held.requestHash,
            sealed: { ...held.sealed },
            expiresAt: new Date(held.expiresAt * 1000),
          };
    }
    this.keys.set(keyHash, { state: 'pending', requestHash, expiresAt: epochSeconds(pendingUntil) });
    return undefined;
  }

  async complete(keyHash: string, sealed: Sealed, expiresAt: Date): Promise<void> {
    this.faults.check('complete');
    const held = this.pending(keyHash);
    this.keys.set(keyHash, {
      state: 'done',
      requestHash: held.requestHash,
      sealed: { ...sealed },
      expiresAt: epochSeconds(expiresAt),
    });
  }

  async release(keyHash: string): Promise<void> {
    this.faults.check('release');
    this.pending(keyHash);
    this.keys.delete(keyHash);
  }

  /** The stored state of a key (undefined: never claimed, or released). */
  stateOf(keyHash: string): StoredKey['state'] | undefined {
    return this.keys.get(keyHash)?.state;
  }

  /** Every stored item, as a table scan would show it (no secret should be readable here). */
  items(): unknown[] {
    return [...this.keys.entries()].map(([key, value]) => ({ key, ...value }));
  }

  /** Rewrites a stored item as someone with write access to the table could (tamper tests). */
  tamper(keyHash: string, change: (item: StoredKey) => StoredKey): void {
    const held = this.keys.get(keyHash);
    if (!held) throw new Error(`no idempotency key ${keyHash}`);
    this.keys.set(keyHash, change(structuredClone(held)));
  }

  private pending(keyHash: string): StoredKey {
    const held = this.keys.get(keyHash);
    if (held?.state !== 'pending') throw new Error(`conditional check failed: ${keyHash} is not pending`);
    return held;
  }
}

/** The shared quota ledger in memory: the counts per window, and every lease asked for. */
export class InMemoryQuotaLedger implements QuotaLedger {
  readonly counts = new Map<string, number>();
  readonly leases: Array<{ key: string; want: number; granted: number }> = [];

  async lease(window: QuotaWindow, want: number): Promise<number> {
    const count = this.counts.get(window.key) ?? 0;
    const granted = Math.max(0, Math.min(want, window.limit - count));
    this.counts.set(window.key, count + granted);
    this.leases.push({ key: window.key, want, granted });
    return granted;
  }
}
