import { randomBytes } from 'node:crypto';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AccessKey } from './seed-aws.js';

/** Where the local stack keeps credvend's own secrets; the local API's identity may read only these. */
export const LOCAL_SECRET_PREFIX = 'credvend/local/';

/** The ARNs of the secrets `npm start` and the tests configure (values never leave moto and the functions). */
export interface LocalSecrets {
  idempotency: string;
  cursor: string;
}

/**
 * Creates the secrets serverless.yml's parameters name in a deployment, with fresh values per
 * start (replays and cursors only need to outlive requests within one run of the stack).
 */
export async function seedSecrets(endpoint: string, operator: AccessKey): Promise<LocalSecrets> {
  const client = new SecretsManagerClient({ region: 'us-east-1', endpoint, credentials: operator });
  const create = async (purpose: string) => {
    const created = await client.send(
      new CreateSecretCommand({
        Name: `${LOCAL_SECRET_PREFIX}${purpose}`,
        SecretString: randomBytes(32).toString('base64url'),
      }),
    );
    if (!created.ARN) throw new Error(`moto created no secret for ${purpose}`);
    return created.ARN;
  };
  try {
    return { idempotency: await create('idempotency'), cursor: await create('cursor') };
  } finally {
    client.destroy();
  }
}
