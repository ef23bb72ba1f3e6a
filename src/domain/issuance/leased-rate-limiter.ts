import { RateLimitedError } from '../shared/errors.js';
import type { QuotaLedger, QuotaWindow, RateLimitBucket, RateLimiter } from './ports.js';

/** Tokens one lease asks for: a tenth of the limit, at least 1, at most 100. */
export function leaseBlock(limit: number): number {
  return Math.min(100, Math.max(1, Math.ceil(limit / 10)));
}

/** What this container holds of one window: tokens leased, tokens spent, and whether it is spent out. */
interface Held {
  window: QuotaWindow;
  leased: number;
  spent: number;
  /** The ledger gave nothing: refuse without asking again until the window ends. */
  exhausted: boolean;
}

/** Held windows kept before the ended ones are swept. */
const SWEEP_AT = 10_000;

/**
 * Quotas without a shared write per request: each container (each instance of this class)
 * leases a block of tokens from the shared ledger ({@link leaseBlock}) and spends them
 * locally, going back only when its block runs out. Guarantees, per bucket and fixed window:
 * - never more issued than the limit, across all containers (every token spent was leased,
 *   and the ledger never leases past the limit);
 * - a request may be refused early by the tokens other containers leased and have not spent:
 *   at most (containers − 1) × (block − 1) of the limit, and only within that window;
 * - a request refused by one bucket spends no token of another (tokens leased for it stay
 *   with the container for its next request), and a container that learnt a window is spent
 *   refuses without asking the ledger again until that window ends.
 * A burst can reach twice the limit across a window boundary, as with any fixed window.
 */
export class LeasedRateLimiter implements RateLimiter {
  private readonly held = new Map<string, Held>();

  constructor(
    private readonly ledger: QuotaLedger,
    private readonly block: (limit: number) => number = leaseBlock,
  ) {}

  async take(buckets: readonly RateLimitBucket[], now: Date): Promise<void> {
    const entries = buckets.map((bucket) => ({ bucket, held: this.holding(bucket, now) }));
    // Each round either adds tokens to the ledger's count or finds a window spent, so it ends
    // within `limit` rounds even while concurrent takes spend what this one leased.
    for (;;) {
      const short = entries.filter((e) => e.held.spent >= e.held.leased);
      if (short.length === 0) {
        // No await between the check above and this: concurrent takes cannot overspend.
        for (const e of entries) e.held.spent += 1;
        return;
      }
      // A spent window refuses only a take that needs a token it does not hold: a concurrent
      // take finding the ledger spent must not refuse one whose token this container leased.
      const exhausted = short.find((e) => e.held.exhausted);
      if (exhausted) throw refusal(exhausted.bucket, exhausted.held.window, now);
      // Parallel: one round trip however many buckets need tokens. A failure throws, and
      // tokens leased meanwhile stay held for the next request.
      const grants = await Promise.all(
        short.map((e) => this.ledger.lease(e.held.window, this.block(e.bucket.limit))),
      );
      short.forEach((e, i) => {
        const granted = grants[i] ?? 0;
        e.held.leased += granted;
        if (granted === 0) e.held.exhausted = true;
      });
    }
  }

  /** This container's holding for the bucket's current window; an ended window's is dropped. */
  private holding(bucket: RateLimitBucket, now: Date): Held {
    const windowMs = bucket.windowSeconds * 1000;
    const start = Math.floor(now.getTime() / windowMs) * windowMs;
    const key = `${bucket.scope}|${bucket.id}|${bucket.windowSeconds}|${start}`;
    const found = this.held.get(key);
    if (found) {
      // The limit the caller states now, should configuration have changed it mid-window.
      found.window.limit = bucket.limit;
      return found;
    }
    if (this.held.size >= SWEEP_AT) this.sweep(now.getTime());
    const held: Held = {
      window: { key, limit: bucket.limit, endsAt: start + windowMs },
      leased: 0,
      spent: 0,
      exhausted: false,
    };
    this.held.set(key, held);
    return held;
  }

  private sweep(nowMs: number): void {
    for (const [key, held] of this.held) if (held.window.endsAt <= nowMs) this.held.delete(key);
  }
}

function refusal(bucket: RateLimitBucket, window: QuotaWindow, now: Date): RateLimitedError {
  return new RateLimitedError(bucket.scope, Math.max(1, Math.ceil((window.endsAt - now.getTime()) / 1000)));
}
