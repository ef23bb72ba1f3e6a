import { randomBytes } from 'node:crypto';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AccessKey } from './seed-aws.js';

/** Where the local stack keeps credvend's own secrets; the local API's identity may read only these. */
export const LOCAL_SECRET_PREFIX = 'credvend/local/';

/**
 * One secret per purpose the deploy parameters name (serverless.yml's *SecretId), each under
 * `credvend/local/<purpose>`: the local template is packaged naming all of them
 * (LOCAL_DEPLOY_PARAMS), so each function's role may read exactly the ones its code reads, as on
 * AWS. The stack itself uses idempotency and cursor; tests write the others' values in place
 * (PutSecretValue) before configuring a feature with them.
 */
export const LOCAL_SECRET_PURPOSES = [
  'idempotency',
  'cursor',
  'slack-token',
  'slack-signing',
  'webhook',
  'teams-url',
  'pagerduty',
  'opsgenie',
] as const;

export type LocalSecretPurpose = (typeof LOCAL_SECRET_PURPOSES)[number];

/** The ARNs moto gave the local secrets, by purpose (values never leave moto and the functions). */
export type LocalSecrets = Record<LocalSecretPurpose, string>;

/**
 * Creates the secrets the local deploy parameters name, with fresh values per start (replays
 * and cursors only need to outlive requests within one run of the stack; the others hold a
 * value until a test writes its own).
 */
export async function seedSecrets(endpoint: string, operator: AccessKey): Promise<LocalSecrets> {
  const client = new SecretsManagerClient({ region: 'us-east-1', endpoint, credentials: operator });
  const create = async (purpose: LocalSecretPurpose): Promise<string> => {
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
    return {
      idempotency: await create('idempotency'),
      cursor: await create('cursor'),
      'slack-token': await create('slack-token'),
      'slack-signing': await create('slack-signing'),
      webhook: await create('webhook'),
      'teams-url': await create('teams-url'),
      pagerduty: await create('pagerduty'),
      opsgenie: await create('opsgenie'),
    };
  } finally {
    client.destroy();
  }
}
