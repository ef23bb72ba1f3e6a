import { randomBytes, randomUUID } from 'node:crypto';
import {
  AddUserToGroupCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateUserCommand,
  EntityAlreadyExistsException,
  IAMClient,
  ListAccessKeysCommand,
  PutGroupPolicyCommand,
  PutUserPolicyCommand,
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
import { TARGET_ACCOUNT } from '../../src/local/seed-aws.js';
import { checkedApp } from './openapi-responses.js';
import { stack } from './support.js';

const policy = (statements: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;

function operatorConfig() {
  return { region: 'us-east-1', endpoint: stack().stsEndpoint, credentials: stack().operator };
}

/**
 * In moto, as serverless.yml declares them for vendingIdentity=user: the vending user (in a
 * group whose policy allows only AssumeRole, TagSession and SetSourceIdentity on the target
 * roles), its secret, and stand-ins for the vend and rotation functions' roles.
 */
export interface VendingUserFixture {
  userName: string;
  secretArn: string;
  /** Stand-in for VendRole under `user`: may read the secret, may not call AssumeRole. */
  vendFunction: VendingKey;
  /** Stand-in for the rotation function's role. */
  rotationFunction: VendingKey;
  env: Record<string, string>;
}

/** `userName`: the target roles trust ROTATED_VENDING_USER (src/local/seed-aws.ts), no other. */
export async function createVendingUser(userName: string): Promise<VendingUserFixture> {
  const suffix = randomBytes(4).toString('hex');
  const iam = new IAMClient(operatorConfig());
  const secrets = new SecretsManagerClient(operatorConfig());
  await iam.send(new CreateGroupCommand({ GroupName: userName }));
  await iam.send(
    new PutGroupPolicyCommand({
      GroupName: userName,
      PolicyName: 'assume-target-roles',
      PolicyDocument: policy([
        {
          Effect: 'Allow',
          Action: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'],
          Resource: `arn:aws:iam::${TARGET_ACCOUNT}:role/credvend-*`,
        },
      ]),
    }),
  );
  // ROTATED_VENDING_USER exists already: the stack's target role trusts it by name.
  await iam.send(new CreateUserCommand({ UserName: userName })).catch((error: unknown) => {
    if (!(error instanceof EntityAlreadyExistsException)) throw error;
  });
  await iam.send(new AddUserToGroupCommand({ GroupName: userName, UserName: userName }));
  // As a new stack's secret: no key until the first rotation.
  const secret = await secrets.send(
    new CreateSecretCommand({ Name: `credvend-vending-key-${suffix}`, SecretString: '{}' }),
  );
  const secretArn = secret.ARN ?? '';
  const vendFunction = await identity(iam, `credvend-vend-fn-${suffix}`, [
    // moto matches Secrets Manager actions against "*" only; the template names the secret.
    { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*' },
  ]);
  const rotationFunction = await identity(iam, `credvend-rotation-fn-${suffix}`, [
    {
      Effect: 'Allow',
      Action: ['iam:ListAccessKeys', 'iam:CreateAccessKey', 'iam:UpdateAccessKey', 'iam:DeleteAccessKey'],
      // moto matches IAM actions against "*" only; the template names the user's ARN.
      Resource: '*',
    },
    {
      Effect: 'Allow',
      Action: [
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'secretsmanager:PutSecretValue',
        'secretsmanager:UpdateSecretVersionStage',
      ],
      Resource: '*',
    },
  ]);
  iam.destroy();
  secrets.destroy();
  return {
    userName,
    secretArn,
    vendFunction,
    rotationFunction,
    env: {
      ...stack().credvendEnv,
      CREDVEND_VENDING_IDENTITY: 'user',
      CREDVEND_VENDING_KEY_SECRET: secretArn,
      CREDVEND_SECRETS_MANAGER_ENDPOINT: stack().stsEndpoint,
      CREDVEND_LOG_LEVEL: 'silent',
    },
  };
}

async function identity(iam: IAMClient, userName: string, statements: unknown[]): Promise<VendingKey> {
  // ROTATED_VENDING_USER exists already: the stack's target role trusts it by name.
  await iam.send(new CreateUserCommand({ UserName: userName })).catch((error: unknown) => {
    if (!(error instanceof EntityAlreadyExistsException)) throw error;
  });
  await iam.send(
    new PutUserPolicyCommand({
      UserName: userName,
      PolicyName: 'function',
      PolicyDocument: policy(statements),
    }),
  );
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
  return {
    accessKeyId: key.AccessKey?.AccessKeyId ?? '',
    secretAccessKey: key.AccessKey?.SecretAccessKey ?? '',
  };
}

/** One Lambda container of the vend function under `user`, reading the key at most every `ttl` seconds. */
export function vendContainer(fixture: VendingUserFixture, keyTtlSeconds: number) {
  const config = loadConfig({ ...fixture.env, CREDVEND_VENDING_KEY_TTL_SECONDS: String(keyTtlSeconds) });
  const root = compose(config, {
    kind: 'node',
    sourceIp: () => '198.51.100.17',
    credentials: fixture.vendFunction,
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
    compose(config, { kind: 'node', sourceIp: () => undefined, credentials: fixture.rotationFunction }),
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
