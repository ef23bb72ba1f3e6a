import {
  AddUserToGroupCommand,
  CreateAccessKeyCommand,
  CreatePolicyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { KMSClient, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { type CloudFormationTemplate, deploy } from './cloudformation/resolve.js';
import { createStackIam, trustsService } from './cloudformation/stack-iam.js';
import { readCloudFormationYaml } from './cloudformation/yaml.js';
import { applyDigestBucketPolicy, createDigestBucket } from './digest-bucket.js';
import type { LocalFunction } from './function-identities.js';
import type { TableNames } from './tables.js';

export const VENDING_ACCOUNT = '111111111111';
export const TARGET_ACCOUNT = '222222222222';
const REGION = 'us-east-1';
/** The stage the local stack's template is packaged for (resource names credvend-local-…). */
export const LOCAL_STAGE = 'local';
const DEMO_EXTERNAL_ID = 'credvend-demo-external-id';
const DEMO_BUCKET = `credvend-demo-${TARGET_ACCOUNT}`;
/** The revoker role deploy/target-account-role.yaml creates (a fixed name there). */
export const REVOKER_ROLE = 'credvend-revoker';
/** The vending user (vendingIdentity=user): the template's VendingUser, named for the local stack. */
const VENDING_USER = 'credvend';
/**
 * A second vending user: the tests of vendingIdentity=user give it a key in Secrets Manager and
 * rotate it, which the shared vending user's key must survive. A target role of its own trusts it.
 */
export const ROTATED_VENDING_USER = 'credvend-rotated';
/** Holds the signed audit digests (with Object Lock), in the vending account. */
export const DIGEST_BUCKET = `credvend-audit-digests-${VENDING_ACCOUNT}`;
const TARGET_TEMPLATE = 'deploy/target-account-role.yaml';

/**
 * credvend's own secrets as the local stack's deploy parameters name them: their ARNs before
 * Secrets Manager appends its random suffix. The seed puts the ARNs moto gave in their place,
 * as packaging with those ARNs would (serverless substitutes parameters literally).
 */
export const LOCAL_SECRET_ARN = (purpose: string) =>
  `arn:aws:secretsmanager:${REGION}:${VENDING_ACCOUNT}:secret:credvend/local/${purpose}`;

/** The organization trail's bucket the local template names (cloudTrailBucket): tests write log files there. */
export const LOCAL_TRAIL_BUCKET = `credvend-local-org-trail-${VENDING_ACCOUNT}`;

/**
 * The deploy parameters the local stack's template is packaged with: every function the local
 * stack runs exists (the stream under auditEvents=on, the vending user under vendingIdentity=user,
 * the activity function and the audit and admin roles' activity reads under cloudTrailBucket),
 * the requests function may publish to the local notice topic and mail from the local sender,
 * and every secret parameter names its local secret (src/local/seed-secrets.ts), so the roles
 * read exactly what the template grants them: the tests write those secrets' values, never
 * secrets of their own the template does not name. The Slack and webhook settings the deploy
 * parameters require beside their secrets reach only the template's function environments,
 * which the local stack does not use (tests configure each feature themselves).
 */
export const LOCAL_DEPLOY_PARAMS: Record<string, string> = {
  vendingIdentity: 'user',
  auditEvents: 'on',
  cloudTrailBucket: LOCAL_TRAIL_BUCKET,
  notifySnsTopicArn: `arn:aws:sns:${REGION}:${VENDING_ACCOUNT}:credvend-notices`,
  notifyEmailFrom: 'credvend@example.com',
  notifyEmailTo: 'approvals@example.com',
  idempotencySecretId: LOCAL_SECRET_ARN('idempotency'),
  cursorSecretId: LOCAL_SECRET_ARN('cursor'),
  slackTokenSecretId: LOCAL_SECRET_ARN('slack-token'),
  slackChannel: 'C0LOCAL',
  slackSigningSecretId: LOCAL_SECRET_ARN('slack-signing'),
  slackTeamId: 'T0WORKSPACE',
  slackAppId: 'A0CREDVEND',
  webhookUrl: 'https://hooks.example.com/credvend-local',
  webhookSecretId: LOCAL_SECRET_ARN('webhook'),
  teamsWebhookSecretId: LOCAL_SECRET_ARN('teams-url'),
  pagerDutyTokenSecretId: LOCAL_SECRET_ARN('pagerduty'),
  opsgenieKeySecretId: LOCAL_SECRET_ARN('opsgenie'),
};

export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface MotoSeed {
  /** The vending user's key, and the secret it is kept in (as the rotation function keeps it). */
  vendingKeySecretArn: string;
  vendingAccessKeyId: string;
  vendingSecretAccessKey: string;
  vendingUserArn: string;
  targetAccountId: string;
  /** deploy-rotated: credvend-deploy's twin, trusting ROTATED_VENDING_USER instead of the vending user. */
  roles: { readonly: string; deploy: string; rotated: string };
  externalId: string;
  bucket: string;
  revokerRoleArn: string;
  /** Each function's role in the vending account, as the packaged template defines it. */
  functionRoles: Partial<Record<LocalFunction, string>>;
  /** What the template was deployed with: a second deployment of it (deployRolesForAuditTable) starts here. */
  deployment: LocalDeployment;
}

/** What the vending account's resources are called locally, by the template's logical ids. */
export interface LocalNames {
  tables: TableNames;
  digestKeyId: string;
  /** The audit table's stream, in the vending account (AuditTable.StreamArn). */
  auditStreamArn: string;
  /** The ARN moto gave each secret, by the ARN the deploy parameters name (LOCAL_SECRET_ARN). */
  secretArns: Record<string, string>;
}

/** The template with each secret's parameter ARN replaced by the ARN moto gave it. */
function withSecretArns(
  template: CloudFormationTemplate,
  arns: Record<string, string>,
): CloudFormationTemplate {
  let text = JSON.stringify(template);
  for (const [named, real] of Object.entries(arns))
    text = text.split(JSON.stringify(named)).join(JSON.stringify(real));
  return JSON.parse(text) as CloudFormationTemplate;
}

const policy = (statements: unknown[]): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements });

const arn = (account: string, kind: string, name: string) => `arn:aws:iam::${account}:${kind}/${name}`;

function iamClient(endpoint: string, roots: Record<string, AccessKey>, account: string): IAMClient {
  const credentials = roots[account];
  if (!credentials) throw new Error(`no root key for account ${account}`);
  return new IAMClient({ region: REGION, endpoint, credentials, maxAttempts: 1 });
}

/** What the local vending stack's resources are called, with the vending key's secret moto created. */
export type LocalDeployment = LocalNames & { vendingKeySecretArn: string };

/** The packaged template as CloudFormation deploys it into the local vending account. */
export function localVendingStack(
  template: CloudFormationTemplate,
  names: LocalDeployment,
  stackName = `credvend-${LOCAL_STAGE}`,
  changed: { physicalIds?: Record<string, string>; attributes?: Record<string, string> } = {},
) {
  return deploy(template, {
    accountId: VENDING_ACCOUNT,
    region: REGION,
    stackName,
    physicalIds: {
      EntitlementsTable: names.tables.entitlements,
      AuditTable: names.tables.audit,
      RateLimitsTable: names.tables.rateLimits,
      IdempotencyTable: names.tables.idempotency,
      AccessRequestsTable: names.tables.accessRequests,
      RequestablesTable: names.tables.requestables,
      ActivityTable: names.tables.activity,
      ReviewsTable: names.tables.reviews,
      DigestBucket: DIGEST_BUCKET,
      DigestKey: names.digestKeyId,
      VendingUser: VENDING_USER,
      VendingKeySecret: names.vendingKeySecretArn,
      ...changed.physicalIds,
    },
    attributes: { 'AuditTable.StreamArn': names.auditStreamArn, ...changed.attributes },
  });
}

/** Each function's role ARN: the template's functions, each with the role it names. */
function functionRoles(
  template: CloudFormationTemplate,
  stack: ReturnType<typeof localVendingStack>,
): Partial<Record<LocalFunction, string>> {
  const roles: Partial<Record<LocalFunction, string>> = {};
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function' || !stack.creates(id)) continue;
    const fn = id.replace(/LambdaFunction$/, '').toLowerCase();
    const role = stack.resolve(resource.Properties?.Role);
    if (typeof role === 'string') roles[fn as LocalFunction] = role;
  }
  return roles;
}

/** The logical id of the role the template gives `fn` (its function's Role). */
function roleIdOf(template: CloudFormationTemplate, fn: LocalFunction): string | undefined {
  const id = `${fn.charAt(0).toUpperCase()}${fn.slice(1)}LambdaFunction`;
  const role = template.Resources[id]?.Properties?.Role;
  const getAtt = role && typeof role === 'object' && 'Fn::GetAtt' in role ? role['Fn::GetAtt'] : undefined;
  return Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
}

/** What a second deployment of the template changes, by logical id: a table, the vending user, its secret. */
export interface SecondDeployment {
  /** Names it `credvend-local-<suffix>`: its generated role and group names carry the suffix. */
  suffix: string;
  physicalIds: Record<string, string>;
  attributes?: Record<string, string>;
  /** The functions whose roles it creates (and nothing else of the vending account's IAM, unless asked). */
  functions: LocalFunction[];
  /** Also the vending user's group, with the template's policy, which `VendingUser`'s name joins. */
  vendingUserGroup?: boolean;
  /**
   * A digest bucket of its own, by this name (created with Object Lock and the template's
   * bucket policy, which lets only this stack's digest role write it), as a second stack has.
   */
  digestBucket?: string;
}

/**
 * The template's roles of `functions` deployed once more, as a second stack of the same
 * template: tests that keep audit records in a table of their own, or rotate a vending user of
 * their own, run their functions under these, which the template grants those resources and
 * nothing of the shared stack's. Created through the gate by `credentials` (an IAM
 * administrator of the vending account); returns each function's role ARN.
 */
export async function deployAgain(
  endpoint: string,
  credentials: AccessKey,
  packaged: CloudFormationTemplate,
  names: LocalDeployment,
  second: SecondDeployment,
): Promise<Partial<Record<LocalFunction, string>>> {
  const template = withSecretArns(packaged, names.secretArns);
  const wanted = new Set<string | undefined>(second.functions.map((fn) => roleIdOf(template, fn)));
  if (second.vendingUserGroup) wanted.add('VendingUserGroup');
  // Roles and groups the template names itself would collide with the first stack's: suffixed.
  const first = localVendingStack(template, names);
  const renamed = Object.fromEntries(
    [...wanted]
      .filter((id): id is string => id !== undefined)
      .map((id) => [id, `${String(first.ref(id))}-${second.suffix}`]),
  );
  const stack = localVendingStack(template, names, `credvend-${LOCAL_STAGE}-${second.suffix}`, {
    physicalIds: {
      ...renamed,
      ...second.physicalIds,
      ...(second.digestBucket ? { DigestBucket: second.digestBucket } : {}),
    },
    ...(second.attributes ? { attributes: second.attributes } : {}),
  });
  const iam = new IAMClient({ region: REGION, endpoint, credentials, maxAttempts: 1 });
  try {
    const created = await createStackIam(iam, template, stack, ({ id }) => wanted.has(id));
    // The user exists (a target role trusts it by name); it joins its group as VendingUser's Groups say.
    if (second.vendingUserGroup && created.VendingUserGroup)
      await iam.send(
        new AddUserToGroupCommand({
          GroupName: created.VendingUserGroup,
          UserName: String(stack.ref('VendingUser')),
        }),
      );
  } finally {
    iam.destroy();
  }
  if (second.digestBucket) {
    const s3 = new S3Client({ region: REGION, endpoint, credentials, forcePathStyle: true, maxAttempts: 1 });
    try {
      await createDigestBucket(s3, second.digestBucket);
      await applyDigestBucketPolicy(s3, template, stack);
    } finally {
      s3.destroy();
    }
  }
  const roles = functionRoles(template, stack);
  return Object.fromEntries(second.functions.map((fn) => [fn, roles[fn]]));
}

/** The digest signing key's policy, as the template gives it (the key itself is seedAnchoring's). */
async function applyDigestKeyPolicy(
  endpoint: string,
  roots: Record<string, AccessKey>,
  template: CloudFormationTemplate,
  vending: ReturnType<typeof localVendingStack>,
  keyId: string,
) {
  const properties = vending.resolve(template.Resources.DigestKey?.Properties ?? {});
  const keyPolicy =
    properties && typeof properties === 'object' && 'KeyPolicy' in properties
      ? properties.KeyPolicy
      : undefined;
  if (!keyPolicy) throw new Error('the packaged template has no DigestKey policy');
  const kms = new KMSClient({
    region: REGION,
    endpoint,
    credentials: roots[VENDING_ACCOUNT] ?? { accessKeyId: '', secretAccessKey: '' },
  });
  try {
    await kms.send(
      new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default', Policy: JSON.stringify(keyPolicy) }),
    );
  } finally {
    kms.destroy();
  }
}

/**
 * A role deploy/target-account-role.yaml defines, in the target account, with these
 * parameters (what a target account's administrator passes when deploying it).
 */
export async function deployTargetRole(
  iam: IAMClient,
  parameters: Record<string, string>,
): Promise<Record<string, string>> {
  const template = (await readCloudFormationYaml(TARGET_TEMPLATE)) as CloudFormationTemplate;
  const stack = deploy(template, {
    accountId: TARGET_ACCOUNT,
    region: REGION,
    stackName: `credvend-${parameters.RoleName ?? 'role'}`,
    parameters,
  });
  return createStackIam(iam, template, stack);
}

/**
 * What sessions of the demo roles may do, and the boundary both share: the target account's
 * own choices, passed to the target template as ManagedPolicyArns and PermissionsBoundaryArn.
 */
async function createDemoPolicies(iam: IAMClient) {
  const bucket = [`arn:aws:s3:::${DEMO_BUCKET}`, `arn:aws:s3:::${DEMO_BUCKET}/*`];
  const read = [
    { Effect: 'Allow', Action: ['s3:ListAllMyBuckets', 's3:ListBucket', 's3:GetObject'], Resource: '*' },
  ];
  const deployDemo = [
    { Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' },
    { Effect: 'Allow', Action: 's3:*', Resource: bucket },
  ];
  const created: string[] = [];
  for (const [name, statements] of [
    ['credvend-demo-read', read],
    ['credvend-demo-deploy', deployDemo],
    ['credvend-demo-boundary', [...read, ...deployDemo]],
  ] as const) {
    const made = await iam.send(
      new CreatePolicyCommand({ PolicyName: name, PolicyDocument: policy([...statements]) }),
    );
    created.push(made.Policy?.Arn ?? '');
  }
  const [readArn = '', deployArn = '', boundaryArn = ''] = created;
  return { readArn, deployArn, boundaryArn };
}

/**
 * Seeds the vending and target accounts through the IAM gate, each as its account's root: the
 * vending account's roles, group and user exactly as the packaged template defines them; the
 * target account's demo roles and revoker role exactly as deploy/target-account-role.yaml
 * defines them, trusting those roles; the demo bucket; an operator for tests and tooling.
 */
export async function seedMoto(
  endpoint: string,
  roots: Record<string, AccessKey>,
  packaged: CloudFormationTemplate,
  names: LocalNames,
): Promise<MotoSeed> {
  const template = withSecretArns(packaged, names.secretArns);
  const vendingIam = iamClient(endpoint, roots, VENDING_ACCOUNT);
  const targetIam = iamClient(endpoint, roots, TARGET_ACCOUNT);
  const s3 = new S3Client({
    region: REGION,
    endpoint,
    credentials: roots[TARGET_ACCOUNT] ?? { accessKeyId: '', secretAccessKey: '' },
    forcePathStyle: true,
  });
  const vendingS3 = new S3Client({
    region: REGION,
    endpoint,
    credentials: roots[VENDING_ACCOUNT] ?? { accessKeyId: '', secretAccessKey: '' },
    forcePathStyle: true,
  });
  const secrets = new SecretsManagerClient({
    region: REGION,
    endpoint,
    credentials: roots[VENDING_ACCOUNT] ?? { accessKeyId: '', secretAccessKey: '' },
  });
  try {
    // The template's VendingKeySecret, empty as CloudFormation creates it.
    const secret = await secrets.send(
      new CreateSecretCommand({ Name: `credvend-${LOCAL_STAGE}-vending-key`, SecretString: '{}' }),
    );
    const vendingKeySecretArn = secret.ARN ?? '';
    const vending = localVendingStack(template, { ...names, vendingKeySecretArn });
    // The functions' roles (trusting Lambda), the vending user and its group: the identities the
    // local stack runs. Roles of services it does not emulate (AWS Backup's) are left out.
    await createStackIam(
      vendingIam,
      template,
      vending,
      ({ type, properties }) =>
        type !== 'AWS::IAM::Role' || trustsService(properties, 'lambda.amazonaws.com'),
    );
    const roles = functionRoles(template, vending);
    await applyDigestKeyPolicy(endpoint, roots, template, vending, names.digestKeyId);
    await applyDigestBucketPolicy(vendingS3, template, vending);
    // On AWS the rotation function creates the vending user's first key and keeps it in the
    // secret; locally the seed does both.
    const key = await vendingIam.send(new CreateAccessKeyCommand({ UserName: VENDING_USER }));
    if (!key.AccessKey?.AccessKeyId || !key.AccessKey.SecretAccessKey)
      throw new Error('moto returned no access key');
    await secrets.send(
      new PutSecretValueCommand({
        SecretId: vendingKeySecretArn,
        SecretString: JSON.stringify({
          AccessKeyId: key.AccessKey.AccessKeyId,
          SecretAccessKey: key.AccessKey.SecretAccessKey,
        }),
      }),
    );
    const vendingUserArn = arn(VENDING_ACCOUNT, 'user', VENDING_USER);
    const demo = await createDemoPolicies(targetIam);
    const trusted = {
      CredvendRoleArn: roles.vend ?? '',
      CredvendUserArn: vendingUserArn,
      PermissionsBoundaryArn: demo.boundaryArn,
    };
    await deployTargetRole(targetIam, {
      ...trusted,
      RoleName: 'credvend-readonly',
      ManagedPolicyArns: demo.readArn,
      CredvendAdminRoleArn: roles.admin ?? '',
      CredvendRequestsRoleArn: roles.requests ?? '',
      CredvendRevocationsRoleArn: roles.revocations ?? '',
    });
    await deployTargetRole(targetIam, {
      ...trusted,
      RoleName: 'credvend-deploy',
      ManagedPolicyArns: demo.deployArn,
      ExternalId: DEMO_EXTERNAL_ID,
      MaxSessionDuration: '43200',
      RevokedByExistingRevoker: 'true',
    });
    await vendingIam.send(new CreateUserCommand({ UserName: ROTATED_VENDING_USER }));
    await deployTargetRole(targetIam, {
      ...trusted,
      CredvendUserArn: arn(VENDING_ACCOUNT, 'user', ROTATED_VENDING_USER),
      RoleName: 'credvend-deploy-rotated',
      ManagedPolicyArns: demo.deployArn,
      ExternalId: DEMO_EXTERNAL_ID,
      MaxSessionDuration: '43200',
      RevokedByExistingRevoker: 'true',
    });
    await s3.send(new CreateBucketCommand({ Bucket: DEMO_BUCKET }));
    await s3.send(
      new PutObjectCommand({
        Bucket: DEMO_BUCKET,
        Key: 'hello.txt',
        Body: 'vended credentials can read this\n',
      }),
    );
    return {
      vendingKeySecretArn,
      vendingAccessKeyId: key.AccessKey.AccessKeyId,
      vendingSecretAccessKey: key.AccessKey.SecretAccessKey,
      vendingUserArn,
      targetAccountId: TARGET_ACCOUNT,
      roles: {
        readonly: arn(TARGET_ACCOUNT, 'role', 'credvend-readonly'),
        deploy: arn(TARGET_ACCOUNT, 'role', 'credvend-deploy'),
        rotated: arn(TARGET_ACCOUNT, 'role', 'credvend-deploy-rotated'),
      },
      externalId: DEMO_EXTERNAL_ID,
      bucket: DEMO_BUCKET,
      revokerRoleArn: arn(TARGET_ACCOUNT, 'role', REVOKER_ROLE),
      functionRoles: roles,
      deployment: { ...names, vendingKeySecretArn },
    };
  } finally {
    for (const client of [vendingIam, targetIam, s3, vendingS3, secrets]) client.destroy();
  }
}

/** An operator in the vending account (everything): creates what tests and tooling need, never a function. */
export async function seedOperator(endpoint: string, roots: Record<string, AccessKey>): Promise<AccessKey> {
  const iam = iamClient(endpoint, roots, VENDING_ACCOUNT);
  try {
    await iam.send(new CreateUserCommand({ UserName: 'credvend-operator' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'credvend-operator',
        PolicyName: 'operator',
        PolicyDocument: policy([{ Effect: 'Allow', Action: '*', Resource: '*' }]),
      }),
    );
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'credvend-operator' }));
    if (!key.AccessKey?.AccessKeyId || !key.AccessKey.SecretAccessKey)
      throw new Error('moto returned no access key');
    return { accessKeyId: key.AccessKey.AccessKeyId, secretAccessKey: key.AccessKey.SecretAccessKey };
  } finally {
    iam.destroy();
  }
}
