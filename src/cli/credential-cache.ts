/** Credentials with the instant they stop working. */
export interface Expiring {
  expiration: Date;
}

/**
 * Holds one set of credentials and fetches new ones `refreshBeforeMs` before they expire.
 * Concurrent callers share one fetch (single flight), as the SDK's own `memoize` does, so
 * a burst of requests to `credvend serve` causes one vend, not one each. A failed fetch
 * is not cached: the next caller tries again; meanwhile still-valid credentials are served.
 */
export class CredentialCache<T extends Expiring> {
  private current: T | undefined;
  private inFlight: Promise<T> | undefined;

  constructor(
    private readonly fetchCredentials: () => Promise<T>,
    private readonly now: () => number = Date.now,
    private readonly refreshBeforeMs = 5 * 60_000,
    /** Told when a refresh fails while the current credentials still work (and are served). */
    private readonly onStaleServed: (error: unknown) => void = () => undefined,
  ) {}

  get(): Promise<T> {
    if (this.current && this.current.expiration.getTime() - this.refreshBeforeMs > this.now()) {
      return Promise.resolve(this.current);
    }
    if (!this.inFlight) {
      this.inFlight = this.fetchCredentials()
        .then(
          (fresh) => {
            this.current = fresh;
            return fresh;
          },
          (error: unknown) => {
            // A failed refresh is no reason to stop serving credentials that still work.
            if (this.current && this.current.expiration.getTime() > this.now()) {
              this.onStaleServed(error);
              return this.current;
            }
            throw error;
          },
        )
        .finally(() => {
          this.inFlight = undefined;
        });
    }
    return this.inFlight;
  }
}
