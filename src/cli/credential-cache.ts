/** Credentials with the instant they stop working. */
export interface Expiring {
  expiration: Date;
}

/**
 * Holds one set of credentials and fetches new ones `refreshBeforeMs` before they expire.
 * Concurrent callers share one fetch (single flight), as the SDK's own `memoize` does, so
 * a burst of requests to `credvend serve` causes one vend, not one each. A failed fetch
 * is not cached: the next caller tries again.
 */
export class CredentialCache<T extends Expiring> {
  private current: T | undefined;
  private inFlight: Promise<T> | undefined;

  constructor(
    private readonly fetchCredentials: () => Promise<T>,
    private readonly now: () => number = Date.now,
    private readonly refreshBeforeMs = 5 * 60_000,
  ) {}

  get(): Promise<T> {
    if (this.current && this.current.expiration.getTime() - this.refreshBeforeMs > this.now()) {
      return Promise.resolve(this.current);
    }
    if (!this.inFlight) {
      this.inFlight = this.fetchCredentials()
        .then((fresh) => {
          this.current = fresh;
          return fresh;
        })
        .finally(() => {
          this.inFlight = undefined;
        });
    }
    return this.inFlight;
  }
}
