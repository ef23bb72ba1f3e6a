import type { STSClient } from '@aws-sdk/client-sts';
import type { RoleAssumer } from '../domain/issuance/ports.js';
import { StsUnavailableError } from '../domain/shared/errors.js';
import type { AssumedRole, IssuancePlan } from '../domain/shared/types.js';
import { credentialsRefused, StsRoleAssumer } from './sts-role-assumer.js';
import type { VendingKey } from './vending-key-secret.js';

export interface VendingKeySource {
  current(): Promise<VendingKey>;
  reread(): Promise<VendingKey>;
}

/**
 * AssumeRole signed with the vending IAM user's key instead of the function's role: the
 * session is not role chaining, so it may last up to the target role's MaxSessionDuration.
 * When IAM refuses the key (rotated away while this container held it), the secret is
 * read again and the call retried once with the newer key; an issuance is never lost to
 * a rotation. One STS client per key; a refused key's client is dropped, not destroyed,
 * since requests of other callers may still be in flight on it.
 */
export class UserKeyRoleAssumer implements RoleAssumer {
  private readonly assumers = new Map<string, StsRoleAssumer>();

  constructor(
    private readonly keys: VendingKeySource,
    private readonly clientFor: (key: VendingKey) => STSClient,
  ) {}

  async assumeRole(plan: IssuancePlan): Promise<AssumedRole> {
    const key = await this.read(() => this.keys.current());
    try {
      return await this.assumerFor(key).assumeRole(plan);
    } catch (error) {
      if (!credentialsRefused(error)) throw error;
      const newer = await this.read(() => this.keys.reread());
      if (newer.accessKeyId === key.accessKeyId) throw error;
      this.forget(key);
      return this.assumerFor(newer).assumeRole(plan);
    }
  }

  private async read(how: () => Promise<VendingKey>): Promise<VendingKey> {
    try {
      return await how();
    } catch (error) {
      // Without a key there is no AssumeRole: the issuance fails (and is audited) as STS down.
      throw new StsUnavailableError("the vending user's access key could not be read from its secret", {
        cause: error,
      });
    }
  }

  private assumerFor(key: VendingKey): StsRoleAssumer {
    let assumer = this.assumers.get(key.accessKeyId);
    if (!assumer) {
      assumer = new StsRoleAssumer(this.clientFor(key));
      this.assumers.set(key.accessKeyId, assumer);
    }
    return assumer;
  }

  private forget(key: VendingKey): void {
    this.assumers.delete(key.accessKeyId);
  }
}
