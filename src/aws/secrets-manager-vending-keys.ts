import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerSecret } from './secrets-manager-secret.js';
import { parseVendingKey, type VendingKey } from './vending-key-secret.js';

/**
 * The vending user's current key (the secret's AWSCURRENT version), read at most once per
 * `ttlSeconds` per container. After a rotation the previous key stays valid until the next
 * one, so a container that has not re-read yet keeps working; `reread` is for the moment
 * IAM refuses the key anyway. Concurrent callers share one read.
 */
export class SecretsManagerVendingKeys extends SecretsManagerSecret<VendingKey> {
  constructor(client: SecretsManagerClient, secretId: string, ttlSeconds: number, now?: () => number) {
    super(
      client,
      secretId,
      ttlSeconds,
      (text) => parseVendingKey(text, "the vending user's secret (AWSCURRENT)"),
      now,
    );
  }
}
