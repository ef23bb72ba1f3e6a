import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  GetGroupPolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupPoliciesCommand,
  ListGroupsForUserCommand,
  ListRolePoliciesCommand,
  ListUserPoliciesCommand,
} from '@aws-sdk/client-iam';
import { GetKeyPolicyCommand, KMSClient } from '@aws-sdk/client-kms';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { BuildMiddleware, MetadataBearer } from '@smithy/types';
import type { BucketPolicies } from './bucket-policies.js';

/** A policy document as IAM returns it: parsed JSON, for the simulator. */
export type PolicyDocument = Record<string, unknown>;

export interface NamedPolicy {
  name: string;
  policy: PolicyDocument;
}

export interface RoleFacts {
  arn: string;
  trustPolicy: PolicyDocument;
  maxSessionDuration: number;
  boundaryArn?: string;
  policies: NamedPolicy[];
}

export interface UserFacts {
  arn: string;
  boundaryArn?: string;
  policies: NamedPolicy[];
}

/** What the gate's decisions read: the IAM, KMS and S3 policies in force. */
export interface PolicySource {
  managedPolicy(account: string, arn: string): Promise<PolicyDocument>;
  role(account: string, roleName: string): Promise<RoleFacts | undefined>;
  user(account: string, userName: string): Promise<UserFacts>;
  keyPolicy(account: string, keyId: string): Promise<PolicyDocument | undefined>;
  bucketPolicy(bucket: string): Promise<PolicyDocument | undefined>;
}

/** IAM returns documents URL-encoded; moto sometimes does not. */
function parseDocument(raw: string | undefined): PolicyDocument {
  if (!raw) return {};
  const text = raw.trimStart().startsWith('{') ? raw : decodeURIComponent(raw);
  const parsed: unknown = JSON.parse(text);
  return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
    ? Object.fromEntries(Object.entries(parsed))
    : {};
}

function accountHeader(account: string): BuildMiddleware<object, MetadataBearer> {
  return (next) => async (args) => {
    const request: unknown = args.request;
    if (
      request &&
      typeof request === 'object' &&
      'headers' in request &&
      request.headers &&
      typeof request.headers === 'object'
    )
      Reflect.set(request.headers, 'x-moto-account-id', account);
    return next(args);
  };
}

/**
 * What IAM, KMS, S3 and Secrets Manager hold, read from the emulator itself (which the
 * gate does not let anyone change unjudged), cached until the next change passes the gate.
 * Reads go straight to moto, as the account in question, never through the gate.
 */
export class PolicyStore implements PolicySource {
  private cache = new Map<string, Promise<unknown>>();
  private readonly clients = new Map<
    string,
    { iam: IAMClient; kms: KMSClient; secrets: SecretsManagerClient }
  >();
  private readonly dynamodb: DynamoDBClient | undefined;
  private readonly bucketOwners = new Map<string, string>();

  constructor(
    private readonly motoEndpoint: string,
    private readonly region: string,
    private readonly bucketPolicies: BucketPolicies,
    dynamodbEndpoint?: string,
  ) {
    this.dynamodb = dynamodbEndpoint
      ? new DynamoDBClient({
          region,
          endpoint: dynamodbEndpoint,
          credentials: { accessKeyId: 'gate', secretAccessKey: 'gate' },
        })
      : undefined;
  }

  /** Forget everything read: called after any change that passed the gate. */
  invalidate(): void {
    this.cache = new Map();
  }

  noteBucketOwner(bucket: string, account: string): void {
    this.bucketOwners.set(bucket, account);
  }

  bucketOwner(bucket: string): string | undefined {
    return this.bucketOwners.get(bucket);
  }

  private remember<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.cache.get(key);
    if (hit) return hit as Promise<T>;
    const loading = load();
    this.cache.set(key, loading);
    loading.catch(() => this.cache.delete(key));
    return loading;
  }

  private client(account: string) {
    let made = this.clients.get(account);
    if (!made) {
      const config = {
        region: this.region,
        endpoint: this.motoEndpoint,
        credentials: { accessKeyId: 'gate', secretAccessKey: 'gate' },
        maxAttempts: 1,
      };
      made = {
        iam: new IAMClient(config),
        kms: new KMSClient(config),
        secrets: new SecretsManagerClient(config),
      };
      const options = { step: 'build', name: 'gateAccount' } as const;
      made.iam.middlewareStack.add(accountHeader(account), options);
      made.kms.middlewareStack.add(accountHeader(account), options);
      made.secrets.middlewareStack.add(accountHeader(account), options);
      this.clients.set(account, made);
    }
    return made;
  }

  /** A managed policy's default version. */
  managedPolicy(account: string, arn: string): Promise<PolicyDocument> {
    return this.remember(`policy ${arn}`, async () => {
      const { iam } = this.client(arn.includes(':iam::aws:') ? account : (arn.split(':')[4] ?? account));
      const policy = await iam.send(new GetPolicyCommand({ PolicyArn: arn }));
      const version = await iam.send(
        new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: policy.Policy?.DefaultVersionId }),
      );
      return parseDocument(version.PolicyVersion?.Document);
    });
  }

  private async attached(account: string, arns: Array<string | undefined>): Promise<NamedPolicy[]> {
    return Promise.all(
      arns
        .filter((arn): arn is string => !!arn)
        .map(async (arn) => ({ name: arn, policy: await this.managedPolicy(account, arn) })),
    );
  }

  role(account: string, roleName: string): Promise<RoleFacts | undefined> {
    return this.remember(`role ${account} ${roleName}`, async () => {
      const { iam } = this.client(account);
      const role = await iam.send(new GetRoleCommand({ RoleName: roleName })).catch((error: unknown) => {
        if (error instanceof Error && error.name === 'NoSuchEntityException') return undefined;
        throw error;
      });
      if (!role?.Role?.Arn) return undefined;
      const inline = await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }));
      const inlinePolicies = await Promise.all(
        (inline.PolicyNames ?? []).map(async (name) => {
          const got = await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: name }));
          return { name, policy: parseDocument(got.PolicyDocument) };
        }),
      );
      const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }));
      const boundaryArn = role.Role.PermissionsBoundary?.PermissionsBoundaryArn;
      return {
        arn: role.Role.Arn,
        trustPolicy: parseDocument(role.Role.AssumeRolePolicyDocument),
        maxSessionDuration: role.Role.MaxSessionDuration ?? 3600,
        ...(boundaryArn ? { boundaryArn } : {}),
        policies: [
          ...inlinePolicies,
          ...(await this.attached(
            account,
            (attached.AttachedPolicies ?? []).map((p) => p.PolicyArn),
          )),
        ],
      };
    });
  }

  user(account: string, userName: string): Promise<UserFacts> {
    return this.remember(`user ${account} ${userName}`, async () => {
      const { iam } = this.client(account);
      const user = await iam.send(new GetUserCommand({ UserName: userName }));
      const inline = await iam.send(new ListUserPoliciesCommand({ UserName: userName }));
      const policies: NamedPolicy[] = await Promise.all(
        (inline.PolicyNames ?? []).map(async (name) => {
          const got = await iam.send(new GetUserPolicyCommand({ UserName: userName, PolicyName: name }));
          return { name, policy: parseDocument(got.PolicyDocument) };
        }),
      );
      const attached = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: userName }));
      policies.push(
        ...(await this.attached(
          account,
          (attached.AttachedPolicies ?? []).map((p) => p.PolicyArn),
        )),
      );
      const groups = await iam.send(new ListGroupsForUserCommand({ UserName: userName }));
      for (const group of groups.Groups ?? []) {
        const GroupName = group.GroupName ?? '';
        const names = await iam.send(new ListGroupPoliciesCommand({ GroupName }));
        for (const name of names.PolicyNames ?? []) {
          const got = await iam.send(new GetGroupPolicyCommand({ GroupName, PolicyName: name }));
          policies.push({ name: `${GroupName}/${name}`, policy: parseDocument(got.PolicyDocument) });
        }
        const groupAttached = await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName }));
        policies.push(
          ...(await this.attached(
            account,
            (groupAttached.AttachedPolicies ?? []).map((p) => p.PolicyArn),
          )),
        );
      }
      const boundaryArn = user.User?.PermissionsBoundary?.PermissionsBoundaryArn;
      return { arn: user.User?.Arn ?? '', ...(boundaryArn ? { boundaryArn } : {}), policies };
    });
  }

  keyPolicy(account: string, keyId: string): Promise<PolicyDocument | undefined> {
    return this.remember(`key ${account} ${keyId}`, async () => {
      const got = await this.client(account)
        .kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }))
        .catch(() => undefined);
      return got?.Policy ? parseDocument(got.Policy) : undefined;
    });
  }

  /** The gate keeps bucket policies itself (bucket-policies.ts): moto never sees them. */
  bucketPolicy(bucket: string): Promise<PolicyDocument | undefined> {
    const policy = this.bucketPolicies.get(bucket);
    return Promise.resolve(policy === undefined ? undefined : parseDocument(policy));
  }

  secretArn(account: string, secretId: string): Promise<string> {
    if (secretId.startsWith('arn:')) return Promise.resolve(secretId);
    return this.remember(`secret ${account} ${secretId}`, async () => {
      const got = await this.client(account)
        .secrets.send(new DescribeSecretCommand({ SecretId: secretId }))
        .catch(() => undefined);
      return got?.ARN ?? `arn:aws:secretsmanager:${this.region}:${account}:secret:${secretId}-??????`;
    });
  }

  partitionKey(table: string): Promise<string | undefined> {
    const dynamodb = this.dynamodb;
    if (!dynamodb) return Promise.resolve(undefined);
    return this.remember(`table ${table}`, async () => {
      const got = await dynamodb.send(new DescribeTableCommand({ TableName: table })).catch(() => undefined);
      return got?.Table?.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
    });
  }

  destroy(): void {
    this.dynamodb?.destroy();
    for (const clients of this.clients.values())
      for (const client of Object.values(clients)) client.destroy();
  }
}
