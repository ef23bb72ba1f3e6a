import { randomUUID } from 'node:crypto';
import type { PolicyDocument, PolicyStatement } from '../policy/policy.js';
import { ConflictError } from '../shared/errors.js';
import type { LeaseStore, RevocationApplier } from './ports.js';

export interface RevocationLeaseOptions {
  /** Longer than one apply takes (a few IAM calls); a crashed holder blocks the role this long. */
  leaseSeconds: number;
  /** How long a second revocation of the same role waits for the first before a 409. */
  waitMs: number;
  /**
   * How long the role stays leased after a write: IAM reads are eventually consistent, and
   * the next revocation must read the policy this one wrote, not the one before it.
   */
  settleMs: number;
  sleep: (ms: number) => Promise<void>;
  now: () => Date;
}

const DEFAULTS: RevocationLeaseOptions = {
  leaseSeconds: 60,
  waitMs: 20_000,
  settleMs: 2_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => new Date(),
};

/**
 * Applies one revocation per role at a time. Applying is read-modify-write of the role's
 * revocation policies, and IAM has no compare-and-set: two revocations of one role at once
 * would each write its own statement over the other's, and one caller would silently keep
 * access while its admin was told "applied". A lease per role makes them take turns.
 */
export class SerializedRevocationApplier implements RevocationApplier {
  private readonly options: RevocationLeaseOptions;

  constructor(
    private readonly inner: RevocationApplier,
    private readonly leases: LeaseStore,
    options: Partial<RevocationLeaseOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  async apply(roleArn: string, statement: PolicyStatement, now: Date): Promise<PolicyDocument> {
    const name = `revocation-lease|${roleArn}`;
    const holder = randomUUID();
    await this.acquire(name, holder);
    try {
      return await this.inner.apply(roleArn, statement, now);
    } finally {
      await this.leases.release(name, holder, new Date(this.options.now().getTime() + this.options.settleMs));
    }
  }

  private async acquire(name: string, holder: string): Promise<void> {
    const { leaseSeconds, waitMs, sleep } = this.options;
    const deadline = this.options.now().getTime() + waitMs;
    for (let attempt = 0; ; attempt++) {
      const now = this.options.now();
      if (await this.leases.acquire(name, holder, new Date(now.getTime() + leaseSeconds * 1000), now)) return;
      if (now.getTime() >= deadline) {
        throw new ConflictError('another revocation of this role is being applied; retry in a minute');
      }
      await sleep(Math.min(2000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2));
    }
  }
}
