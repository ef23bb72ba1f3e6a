import { randomBytes, randomUUID } from 'node:crypto';
import {
  CreateUserCommand,
  EntityAlreadyExistsException,
  IAMClient,
  ListAccessKeysCommand,
} from '@aws-sdk/client-iam';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { parseVendingKey, type VendingKey } from '../../src/aws/vending-key-secret.js';
import { compose } from '../../src/compose/composition.js';
import { createRotationHandler } from '../../src/compose/rotation.js';
import { createVendFunction } from '../../src/compose/vend.js';
import { loadConfig } from '../../src/config.js';
import { checkedApp } from './openapi-responses.js';
import { type Identities, identitiesOfSecondDeployment, stack } from './support.js';

const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;

function operatorConfig() {
  return { region: 'us-east-1', endpoint: stack().stsEndpoint, credentials: stack().operator };
}

/**
 * A vending user of its own, deployed as the packaged template declares it under
 * vendingIdentity=user (a second deployment of the template, deployAgain): the user in the
 * template's group, a secret for its key, and the template's vend and rotation roles, granted
 * that secret and that user.
 */
export interface VendingUserFixture {
  userName: string;
  secretArn: string;
  /** The vend and rotation functions' template roles for this user and secret. */
  identities: Identities;
  env: Record<string, string>;
}

/** `userName`: the target roles trust ROTATED_VENDING_USER (src/local/seed-aws.ts), no other. */
export async function createVendingUser(userName: string): Promise<VendingUserFixture> {
  const suffix = randomBytes(4).toString('hex');
  const iam = new IAMClient(operatorConfig());
  const secrets = new SecretsManagerClient(operatorConfig());
  // ROTATED_VENDING_USER exists already: the stack's target role trusts it by name.
  await iam.send(new CreateUserCommand({ UserName: userName })).catch((error: unknown) => {
    if (!(error instanceof EntityAlreadyExistsException)) throw error;
  });
  // As a new stack's secret: no key until the first rotation.
  const secret = await secrets.send(
    new CreateSecretCommand({ Name: `credvend-vending-key-${suffix}`, SecretString: '{}' }),
  );
  iam.destroy();
  secrets.destroy();
  const secretArn = secret.ARN ?? '';
  const identities = await identitiesOfSecondDeployment({
    physicalIds: { VendingUser: userName, VendingKeySecret: secretArn },
    functions: ['vend', 'rotation'],
    vendingUserGroup: true,
  });
  return {
    userName,
    secretArn,
    identities,
    env: {
      ...stack().credvendEnv,
      CREDVEND_VENDING_IDENTITY: 'user',
      CREDVEND_VENDING_KEY_SECRET: secretArn,
      CREDVEND_SECRETS_MANAGER_ENDPOINT: stack().stsEndpoint,
      CREDVEND_LOG_LEVEL: 'silent',
    },
  };
}

/** One Lambda container of the vend function under `user`, reading the key at most every `ttl` seconds. */
export function vendContainer(fixture: VendingUserFixture, keyTtlSeconds: number) {
  const config = loadConfig({ ...fixture.env, CREDVEND_VENDING_KEY_TTL_SECONDS: String(keyTtlSeconds) });
  const root = compose(config, {
    kind: 'node',
    sourceIp: () => '198.51.100.17',
    credentials: fixture.identities('vend'),
  });
  return checkedApp(createVendFunction(root));
}

/** The rotation function as deployed for `fixture`'s user and secret, with the rotation role's rights. */
export function rotationHandlerFor(fixture: VendingUserFixture, logLevel = 'silent') {
  const config = loadConfig({
    ...fixture.env,
    CREDVEND_VENDING_USER_NAME: fixture.userName,
    CREDVEND_LOG_LEVEL: logLevel,
  });
  return createRotationHandler(
    compose(config, {
      kind: 'node',
      sourceIp: () => undefined,
      credentials: fixture.identities('rotation'),
    }),
  );
}

/** A secret that is not the vending key's, as another team's in the same account would be. */
export async function createOtherSecret(): Promise<string> {
  const secrets = new SecretsManagerClient(operatorConfig());
  const created = await secrets.send(
    new CreateSecretCommand({ Name: `someone-else-${randomBytes(4).toString('hex')}`, SecretString: '{}' }),
  );
  return created.ARN ?? '';
}

/**
 * Secrets Manager's part of a rotation: a new version token, then the rotation function
 * invoked once per step, in order, with the event Secrets Manager sends. (moto's own
 * RotateSecret invokes a rotation Lambda only through its Docker-based Lambda emulation.)
 */
export async function rotate(
  fixture: VendingUserFixture,
  options: { logLevel?: string; invocationsPerStep?: number } = {},
): Promise<void> {
  const { logLevel = 'silent', invocationsPerStep = 1 } = options;
  const handler = rotationHandlerFor(fixture, logLevel);
  const token = randomUUID();
  for (const step of STEPS) {
    // Secrets Manager retries a step that timed out: the same event again.
    for (let n = 0; n < invocationsPerStep; n += 1)
      await handler({ Step: step, SecretId: fixture.secretArn, ClientRequestToken: token });
  }
}

export async function currentKey(fixture: VendingUserFixture): Promise<VendingKey> {
  const secrets = new SecretsManagerClient(operatorConfig());
  const value = await secrets.send(
    new GetSecretValueCommand({ SecretId: fixture.secretArn, VersionStage: 'AWSCURRENT' }),
  );
  secrets.destroy();
  return parseVendingKey(value.SecretString, 'AWSCURRENT');
}

export async function userKeyIds(fixture: VendingUserFixture): Promise<string[]> {
  const iam = new IAMClient(operatorConfig());
  const listed = await iam.send(new ListAccessKeysCommand({ UserName: fixture.userName }));
  iam.destroy();
  return (listed.AccessKeyMetadata ?? []).map((k) => k.AccessKeyId ?? '').sort();
}
