import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseVendingKey, type VendingKey } from './vending-key-secret.js';

/**
 * The vending user's current key (the secret's AWSCURRENT version), read at most once per
 * `ttlSeconds` per container. After a rotation the previous key stays valid until the next
 * one, so a container that has not re-read yet keeps working; `reread` is for the moment
 * IAM refuses the key anyway. Concurrent callers share one read.
 */
export class SecretsManagerVendingKeys {
  private cached?: { key: VendingKey; readAt: number };
  private reading: Promise<VendingKey> | undefined;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  async current(): Promise<VendingKey> {
    const cached = this.cached;
    if (cached && this.now() - cached.readAt < this.ttlSeconds * 1000) return cached.key;
    return this.reread();
  }

  reread(): Promise<VendingKey> {
    this.reading ??= this.read().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async read(): Promise<VendingKey> {
    // AWSCURRENT is the default; named because moto's UpdateSecretVersionStage leaves its
    // default version behind, and the label is what the rotation moves.
    const output = await this.client.send(
      new GetSecretValueCommand({ SecretId: this.secretId, VersionStage: 'AWSCURRENT' }),
    );
    const key = parseVendingKey(output.SecretString, "the vending user's secret (AWSCURRENT)");
    this.cached = { key, readAt: this.now() };
    return key;
  }
}
