import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

export const VENDING_ACCOUNT = '111111111111';
export const TARGET_ACCOUNT = '222222222222';
const DEMO_EXTERNAL_ID = 'credvend-demo-external-id';
const DEMO_BUCKET = `credvend-demo-${TARGET_ACCOUNT}`;
/** Named outside credvend-* so credvend's own AssumeRole permission does not cover it. */
export const REVOKER_ROLE = 'revoker-for-credvend';
const VENDING_USER_ARN = `arn:aws:iam::${VENDING_ACCOUNT}:user/credvend`;
/**
 * A second vending user the target roles trust: the tests of vendingIdentity=user create it,
 * keep its key in Secrets Manager and rotate it, which the shared `credvend` key must survive.
 */
export const ROTATED_VENDING_USER = 'credvend-rotated';
const ROTATED_VENDING_USER_ARN = `arn:aws:iam::${VENDING_ACCOUNT}:user/${ROTATED_VENDING_USER}`;
/** Holds the signed audit digests (with Object Lock), in the vending account. */
export const DIGEST_BUCKET = `credvend-audit-digests-${VENDING_ACCOUNT}`;

export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface MotoSeed {
  vendingAccessKeyId: string;
  vendingSecretAccessKey: string;
  vendingUserArn: string;
  targetAccountId: string;
  roles: { readonly: string; deploy: string };
  externalId: string;
  bucket: string;
  revokerRoleArn: string;
  /**
   * Local stand-ins for the digest and stream functions' roles, each allowed what its
   * Lambda role allows, and an operator (everything) that creates the digest key, bucket,
   * queue and rule, and that tests use to tamper with digests.
   */
  digestWriter: AccessKey;
  streamPublisher: AccessKey;
  operator: AccessKey;
}

const policy = (statements: unknown[]): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements });

/**
 * Trust in the vending identity with deploy/target-account-role.yaml's conditions: every
 * session carries a SourceIdentity and the credvend-caller tag (and the ExternalId, if set).
 */
function trustPolicy(externalId?: string): string {
  const required = { Null: { 'sts:SourceIdentity': 'false', 'aws:RequestTag/credvend-caller': 'false' } };
  return policy([
    {
      Effect: 'Allow',
      Principal: { AWS: [VENDING_USER_ARN, ROTATED_VENDING_USER_ARN] },
      Action: 'sts:AssumeRole',
      Condition: externalId ? { StringEquals: { 'sts:ExternalId': externalId }, ...required } : required,
    },
    {
      Effect: 'Allow',
      Principal: { AWS: [VENDING_USER_ARN, ROTATED_VENDING_USER_ARN] },
      Action: ['sts:TagSession', 'sts:SetSourceIdentity'],
    },
  ]);
}

type Clients = { iam: (account: string) => IAMClient; s3: (account: string) => S3Client };

/** The seed plan: each step is one request, made as the account's root through the IAM gate. */
const SEED_STEPS: readonly SeedStep[] = [
  async ({ iam }) => {
    await iam(VENDING_ACCOUNT).send(new CreateUserCommand({ UserName: 'credvend' }));
  },
  async ({ iam }) => {
    await iam(VENDING_ACCOUNT).send(
      new PutUserPolicyCommand({
        UserName: 'credvend',
        PolicyName: 'assume-target-roles',
        PolicyDocument: policy([
          {
            Effect: 'Allow',
            Action: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'],
            Resource: `arn:aws:iam::${TARGET_ACCOUNT}:role/credvend-*`,
          },
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Resource: `arn:aws:iam::${TARGET_ACCOUNT}:role/${REVOKER_ROLE}`,
          },
          // The audit app verifies against the digests: read them, and the key's public half.
          {
            Effect: 'Allow',
            Action: ['s3:GetObject', 's3:ListBucket'],
            Resource: [`arn:aws:s3:::${DIGEST_BUCKET}`, `arn:aws:s3:::${DIGEST_BUCKET}/*`],
          },
          // moto checks KMS and EventBridge actions against Resource "*" only; the template names the key.
          { Effect: 'Allow', Action: 'kms:GetPublicKey', Resource: '*' },
          // Notices (the template scopes both to the configured topic and sender).
          { Effect: 'Allow', Action: ['sns:Publish', 'ses:SendEmail'], Resource: '*' },
          // credvend's own secrets (src/local/seed-secrets.ts; tests add theirs under the prefix).
          {
            Effect: 'Allow',
            Action: 'secretsmanager:GetSecretValue',
            Resource: `arn:aws:secretsmanager:us-east-1:${VENDING_ACCOUNT}:secret:credvend/local/*`,
          },
        ]),
      }),
    );
  },
  async ({ iam }, seed) => {
    const key = await iam(VENDING_ACCOUNT).send(new CreateAccessKeyCommand({ UserName: 'credvend' }));
    if (!key.AccessKey?.AccessKeyId || !key.AccessKey.SecretAccessKey)
      throw new Error('moto returned no access key');
    seed.vendingAccessKeyId = key.AccessKey.AccessKeyId;
    seed.vendingSecretAccessKey = key.AccessKey.SecretAccessKey;
  },
  async ({ iam }, seed) => {
    const role = await iam(TARGET_ACCOUNT).send(
      new CreateRoleCommand({
        RoleName: 'credvend-readonly',
        AssumeRolePolicyDocument: trustPolicy(),
        MaxSessionDuration: 3600,
      }),
    );
    seed.roles = { readonly: role.Role?.Arn ?? '', deploy: seed.roles?.deploy ?? '' };
  },
  async ({ iam }) => {
    await iam(TARGET_ACCOUNT).send(
      new PutRolePolicyCommand({
        RoleName: 'credvend-readonly',
        PolicyName: 'read-demo',
        PolicyDocument: policy([
          {
            Effect: 'Allow',
            Action: ['s3:ListAllMyBuckets', 's3:ListBucket', 's3:GetObject'],
            Resource: '*',
          },
        ]),
      }),
    );
  },
  async ({ iam }, seed) => {
    const role = await iam(TARGET_ACCOUNT).send(
      new CreateRoleCommand({
        RoleName: 'credvend-deploy',
        AssumeRolePolicyDocument: trustPolicy(DEMO_EXTERNAL_ID),
        MaxSessionDuration: 43_200,
      }),
    );
    seed.roles = { readonly: seed.roles?.readonly ?? '', deploy: role.Role?.Arn ?? '' };
  },
  async ({ iam }) => {
    await iam(TARGET_ACCOUNT).send(
      new PutRolePolicyCommand({
        RoleName: 'credvend-deploy',
        PolicyName: 'deploy-demo',
        PolicyDocument: policy([
          { Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' },
          {
            Effect: 'Allow',
            Action: 's3:*',
            Resource: [`arn:aws:s3:::${DEMO_BUCKET}`, `arn:aws:s3:::${DEMO_BUCKET}/*`],
          },
        ]),
      }),
    );
  },
  async ({ iam }, seed) => {
    // What a target account creates so credvend can revoke sessions of its roles.
    const role = await iam(TARGET_ACCOUNT).send(
      new CreateRoleCommand({
        RoleName: REVOKER_ROLE,
        AssumeRolePolicyDocument: policy([
          { Effect: 'Allow', Principal: { AWS: VENDING_USER_ARN }, Action: 'sts:AssumeRole' },
        ]),
      }),
    );
    seed.revokerRoleArn = role.Role?.Arn ?? '';
  },
  async ({ iam }) => {
    await iam(TARGET_ACCOUNT).send(
      new PutRolePolicyCommand({
        RoleName: REVOKER_ROLE,
        PolicyName: 'revoke-credvend-sessions',
        PolicyDocument: policy([
          {
            // As deploy/target-account-role.yaml, less the conditions moto does not evaluate.
            Effect: 'Allow',
            Action: ['iam:ListAttachedRolePolicies', 'iam:AttachRolePolicy'],
            Resource: `arn:aws:iam::${TARGET_ACCOUNT}:role/credvend-*`,
          },
          {
            Effect: 'Allow',
            Action: [
              'iam:GetPolicy',
              'iam:GetPolicyVersion',
              'iam:ListPolicyVersions',
              'iam:CreatePolicy',
              'iam:CreatePolicyVersion',
              'iam:DeletePolicyVersion',
            ],
            // moto checks IAM policy actions against resource "*", not the policy's ARN;
            // the template grants them on policy/credvend-revocations/* only.
            Resource: '*',
          },
        ]),
      }),
    );
  },
  async ({ s3 }) => {
    await s3(TARGET_ACCOUNT).send(new CreateBucketCommand({ Bucket: DEMO_BUCKET }));
  },
  async ({ s3 }) => {
    await s3(TARGET_ACCOUNT).send(
      new PutObjectCommand({
        Bucket: DEMO_BUCKET,
        Key: 'hello.txt',
        Body: 'vended credentials can read this\n',
      }),
    );
  },
  ...userSteps('credvend-operator', 'operator', [{ Effect: 'Allow', Action: '*', Resource: '*' }]),
  ...userSteps('credvend-digest', 'digestWriter', [
    {
      Effect: 'Allow',
      Action: ['kms:Sign', 'kms:GetPublicKey'],
      Resource: '*',
    },
    {
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:GetObject', 's3:ListBucket'],
      Resource: [`arn:aws:s3:::${DIGEST_BUCKET}`, `arn:aws:s3:::${DIGEST_BUCKET}/*`],
    },
  ]),
  ...userSteps('credvend-stream', 'streamPublisher', [
    {
      Effect: 'Allow',
      Action: 'events:PutEvents',
      Resource: '*',
    },
  ]),
];

type SeedStep = (clients: Clients, seed: Partial<MotoSeed>) => Promise<void>;

/** Three calls: a user in the vending account, its policy, and an access key for it. */
function userSteps(
  userName: string,
  slot: 'operator' | 'digestWriter' | 'streamPublisher',
  statements: unknown[],
): SeedStep[] {
  return [
    async ({ iam }) => {
      await iam(VENDING_ACCOUNT).send(new CreateUserCommand({ UserName: userName }));
    },
    async ({ iam }) => {
      await iam(VENDING_ACCOUNT).send(
        new PutUserPolicyCommand({
          UserName: userName,
          PolicyName: slot,
          PolicyDocument: policy(statements),
        }),
      );
    },
    async ({ iam }, seed) => {
      const key = await iam(VENDING_ACCOUNT).send(new CreateAccessKeyCommand({ UserName: userName }));
      if (!key.AccessKey?.AccessKeyId || !key.AccessKey.SecretAccessKey)
        throw new Error('moto returned no access key');
      seed[slot] = { accessKeyId: key.AccessKey.AccessKeyId, secretAccessKey: key.AccessKey.SecretAccessKey };
    },
  ];
}

/** Seeds the vending and target accounts through the IAM gate, each as its account's root. */
export async function seedMoto(endpoint: string, roots: Record<string, AccessKey>): Promise<MotoSeed> {
  const config = (account: string) => {
    const credentials = roots[account];
    if (!credentials) throw new Error(`no root key for account ${account}`);
    return { region: 'us-east-1', endpoint, credentials, maxAttempts: 1 };
  };
  const made: Array<IAMClient | S3Client> = [];
  const clients: Clients = {
    iam: (account) => {
      const client = new IAMClient(config(account));
      made.push(client);
      return client;
    },
    s3: (account) => {
      const client = new S3Client({ ...config(account), forcePathStyle: true });
      made.push(client);
      return client;
    },
  };
  const seed: Partial<MotoSeed> = {};
  try {
    for (const step of SEED_STEPS) await step(clients, seed);
  } finally {
    for (const client of made) client.destroy();
  }
  if (
    !seed.vendingAccessKeyId ||
    !seed.vendingSecretAccessKey ||
    !seed.roles?.readonly ||
    !seed.roles.deploy ||
    !seed.revokerRoleArn ||
    !seed.operator ||
    !seed.digestWriter ||
    !seed.streamPublisher
  ) {
    throw new Error('moto seeding did not return the vending key and both roles');
  }
  return {
    vendingAccessKeyId: seed.vendingAccessKeyId,
    vendingSecretAccessKey: seed.vendingSecretAccessKey,
    vendingUserArn: VENDING_USER_ARN,
    targetAccountId: TARGET_ACCOUNT,
    roles: seed.roles,
    externalId: DEMO_EXTERNAL_ID,
    bucket: DEMO_BUCKET,
    revokerRoleArn: seed.revokerRoleArn,
    operator: seed.operator,
    digestWriter: seed.digestWriter,
    streamPublisher: seed.streamPublisher,
  };
}
