import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/**
 * One secret's AWSCURRENT value, parsed, read at most once per `ttlSeconds` per container and
 * never used after that: a rotated value is in use everywhere within `ttlSeconds` of the
 * rotation. Concurrent callers share one read; a failed read is not cached (the next caller
 * tries again) and nothing older than the lifetime is served in its place. `parse` refuses a
 * value the feature cannot use; its message must never quote the value.
 */
export class SecretsManagerSecret<T> {
  private cached?: { value: T; readAt: number };
  private reading: Promise<T> | undefined;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
    private readonly ttlSeconds: number,
    private readonly parse: (secretString: string | undefined) => T,
    private readonly now: () => number = Date.now,
  ) {}

  async current(): Promise<T> {
    const cached = this.cached;
    if (cached && this.now() - cached.readAt < this.ttlSeconds * 1000) return cached.value;
    return this.reread();
  }

  /** Reads now, whatever the cache holds (a key IAM refused, say); shares a read in flight. */
  reread(): Promise<T> {
    this.reading ??= this.read().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async read(): Promise<T> {
    // AWSCURRENT is the default; named because moto's UpdateSecretVersionStage leaves its
    // default version behind, and the label is what a rotation moves.
    const output = await this.client.send(
      new GetSecretValueCommand({ SecretId: this.secretId, VersionStage: 'AWSCURRENT' }),
    );
    const value = this.parse(output.SecretString);
    this.cached = { value, readAt: this.now() };
    return value;
  }
}
