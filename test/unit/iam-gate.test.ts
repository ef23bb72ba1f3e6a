import { describe, expect, it } from 'vitest';
import { decide } from '../../src/local/iam-gate/decide.js';
import { DecisionCache } from '../../src/local/iam-gate/decision-cache.js';
import { authorisationsFor, UnmappedOperation } from '../../src/local/iam-gate/operations.js';
import type {
  NamedPolicy,
  PolicyDocument,
  PolicySource,
  RoleFacts,
} from '../../src/local/iam-gate/policy-store.js';
import type { Principal, SessionPrincipal } from '../../src/local/iam-gate/principals.js';
import { refusal } from '../../src/local/iam-gate/refusal.js';
import { assumeRoleProblem } from '../../src/local/iam-gate/sessions.js';

/**
 * The gate's own table: each case is a request whose outcome AWS documents (IAM policy
 * evaluation logic, role trust, session policies, boundaries, KMS key and S3 bucket
 * policies, STS's duration rules). The gate gathers the inputs; iam-simulate judges.
 * A regression here would otherwise hide as a "green" credvend test.
 */

const VENDING = '111111111111';
const TARGET = '222222222222';
const NOW = new Date('2026-12-07T08:00:00Z');

const doc = (...Statement: object[]): PolicyDocument => ({ Version: '2012-10-17', Statement });
const named = (name: string, policy: PolicyDocument): NamedPolicy => ({ name, policy });
const allow = (Action: string | string[], Resource: string | string[] = '*', Condition?: object) => ({
  Effect: 'Allow',
  Action,
  Resource,
  ...(Condition ? { Condition } : {}),
});
const deny = (Action: string | string[], Resource: string | string[] = '*', Condition?: object) => ({
  Effect: 'Deny',
  Action,
  Resource,
  ...(Condition ? { Condition } : {}),
});

interface World {
  roles?: Record<string, RoleFacts>;
  users?: Record<string, NamedPolicy[]>;
  managed?: Record<string, PolicyDocument>;
  keyPolicies?: Record<string, PolicyDocument>;
  bucketPolicies?: Record<string, PolicyDocument>;
}

/** An in-memory PolicySource: the policies of the case, as moto would hold them. */
function source(world: World): PolicySource {
  return {
    managedPolicy: async (_account, arn) => world.managed?.[arn] ?? doc(),
    role: async (account, name) => world.roles?.[`${account}/${name}`],
    user: async (account, name) => ({
      arn: `arn:aws:iam::${account}:user/${name}`,
      policies: world.users?.[name] ?? [],
    }),
    keyPolicy: async (_account, keyId) => world.keyPolicies?.[keyId],
    bucketPolicy: async (bucket) => world.bucketPolicies?.[bucket],
  };
}

function role(account: string, name: string, facts: Partial<RoleFacts>): Record<string, RoleFacts> {
  return {
    [`${account}/${name}`]: {
      arn: `arn:aws:iam::${account}:role/${name}`,
      trustPolicy: doc(),
      maxSessionDuration: 3600,
      policies: [],
      ...facts,
    },
  };
}

function session(account: string, roleName: string, extra: Partial<SessionPrincipal> = {}): SessionPrincipal {
  return {
    kind: 'session',
    account,
    arn: `arn:aws:sts::${account}:assumed-role/${roleName}/s`,
    roleArn: `arn:aws:iam::${account}:role/${roleName}`,
    roleName,
    sessionName: 's',
    tags: {},
    transitiveTagKeys: [],
    policyArns: [],
    issuedAt: new Date(NOW.getTime() - 60_000),
    expiresAt: new Date(NOW.getTime() + 3_600_000),
    chained: false,
    sessionToken: 'token',
    ...extra,
  };
}

const user = (name: string, account = VENDING): Principal => ({
  kind: 'user',
  account,
  arn: `arn:aws:iam::${account}:user/${name}`,
  userName: name,
});

interface Case {
  name: string;
  world: World;
  principal: Principal;
  action: string;
  resource: string;
  resourceAccount?: string;
  context?: Record<string, string | string[]>;
  allowed: boolean;
  explicit?: boolean;
}

const TARGET_ROLE = `arn:aws:iam::${TARGET}:role/credvend-readonly`;
const VEND_ROLE = `arn:aws:iam::${VENDING}:role/vend`;
const CREDVEND_TRUST = doc(
  {
    Effect: 'Allow',
    Principal: { AWS: VEND_ROLE },
    Action: 'sts:AssumeRole',
    Condition: { Null: { 'sts:SourceIdentity': 'false', 'aws:RequestTag/credvend-caller': 'false' } },
  },
  { Effect: 'Allow', Principal: { AWS: VEND_ROLE }, Action: ['sts:TagSession', 'sts:SetSourceIdentity'] },
);
const VEND_MAY_ASSUME = role(VENDING, 'vend', {
  policies: [
    named(
      'vend',
      doc(
        allow(
          ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'],
          'arn:aws:iam::*:role/credvend-*',
        ),
      ),
    ),
  ],
});
const READONLY = (policies: NamedPolicy[], extra: Partial<RoleFacts> = {}) =>
  role(TARGET, 'credvend-readonly', { trustPolicy: CREDVEND_TRUST, policies, ...extra });
const S3_ALL = [named('s3', doc(allow('s3:*')))];
const OBJECT = 'arn:aws:s3:::demo/hello.txt';
const KEY = `arn:aws:kms:us-east-1:${VENDING}:key/k1`;
const ROOT_DELEGATES = doc({
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${VENDING}:root` },
  Action: 'kms:*',
  Resource: '*',
});
const DIGEST_ROLE = `arn:aws:iam::${VENDING}:role/digest`;
const ONLY_DIGEST_WRITES = doc({
  Effect: 'Deny',
  Principal: '*',
  Action: 's3:PutObject',
  Resource: 'arn:aws:s3:::digests/*',
  Condition: { ArnNotEquals: { 'aws:PrincipalArn': DIGEST_ROLE } },
});
const assumeContext = (extra: Record<string, string | string[]> = {}) => ({
  'sts:SourceIdentity': 'alice',
  'aws:RequestTag/credvend-caller': 'alice',
  'aws:TagKeys': ['credvend-caller'],
  ...extra,
});

const CASES: Case[] = [
  // Identity policies.
  {
    name: 'an identity policy allows',
    world: { users: { u: [named('p', doc(allow('s3:GetObject', 'arn:aws:s3:::demo/*')))] } },
    principal: user('u'),
    action: 's3:GetObject',
    resource: OBJECT,
    allowed: true,
  },
  {
    name: 'no policy: implicit deny',
    world: {},
    principal: user('u'),
    action: 's3:GetObject',
    resource: OBJECT,
    allowed: false,
    explicit: false,
  },
  {
    name: 'an explicit Deny beats an Allow',
    world: { users: { u: [named('p', doc(allow('*'), deny('s3:GetObject')))] } },
    principal: user('u'),
    action: 's3:GetObject',
    resource: OBJECT,
    allowed: false,
    explicit: true,
  },
  // Permissions boundary: the most the role may do.
  {
    name: 'a boundary refuses what the role policy allows outside it',
    world: {
      roles: READONLY(S3_ALL, { boundaryArn: 'arn:aws:iam::aws:policy/B' }),
      managed: { 'arn:aws:iam::aws:policy/B': doc(allow('s3:GetObject')) },
    },
    principal: session(TARGET, 'credvend-readonly'),
    action: 's3:PutObject',
    resource: OBJECT,
    allowed: false,
  },
  {
    name: 'a boundary allows what both allow',
    world: {
      roles: READONLY(S3_ALL, { boundaryArn: 'arn:aws:iam::aws:policy/B' }),
      managed: { 'arn:aws:iam::aws:policy/B': doc(allow('s3:GetObject')) },
    },
    principal: session(TARGET, 'credvend-readonly'),
    action: 's3:GetObject',
    resource: OBJECT,
    allowed: true,
  },
  // Session policies: the intersection with the role's policies.
  {
    name: 'a ceiling of s3:GetObject refuses s3:ListAllMyBuckets the role allows',
    world: { roles: READONLY(S3_ALL) },
    principal: session(TARGET, 'credvend-readonly', { inlinePolicy: doc(allow('s3:GetObject')) }),
    action: 's3:ListAllMyBuckets',
    resource: '*',
    allowed: false,
  },
  {
    name: 'a ceiling of s3:GetObject allows s3:GetObject',
    world: { roles: READONLY(S3_ALL) },
    principal: session(TARGET, 'credvend-readonly', { inlinePolicy: doc(allow('s3:GetObject')) }),
    action: 's3:GetObject',
    resource: OBJECT,
    allowed: true,
  },
  {
    name: 'a session policy cannot grant what the role lacks',
    world: { roles: READONLY([named('r', doc(allow('s3:GetObject')))]) },
    principal: session(TARGET, 'credvend-readonly', { inlinePolicy: doc(allow('*')) }),
    action: 's3:PutObject',
    resource: OBJECT,
    allowed: false,
  },
  {
    name: 'inline and managed session policies: each must allow',
    world: {
      roles: READONLY(S3_ALL),
      managed: { [`arn:aws:iam::${TARGET}:policy/m`]: doc(allow('s3:ListBucket')) },
    },
    principal: session(TARGET, 'credvend-readonly', {
      inlinePolicy: doc(allow('s3:GetObject')),
      policyArns: [`arn:aws:iam::${TARGET}:policy/m`],
    }),
    action: 's3:GetObject',
    resource: OBJECT,
    allowed: false,
  },
  // Revocation by session tag and by issue time: only the matching sessions.
  {
    name: "a Deny on one grant's session tag refuses that grant's session",
    world: {
      roles: READONLY([
        ...S3_ALL,
        named('revoked', doc(deny('*', '*', { StringEquals: { 'aws:PrincipalTag/credvend-grant': 'g1' } }))),
      ]),
    },
    principal: session(TARGET, 'credvend-readonly', { tags: { 'credvend-grant': 'g1' } }),
    action: 's3:GetObject',
    resource: OBJECT,
    allowed: false,
    explicit: true,
  },
  {
    name: "a Deny on one grant's session tag leaves another session of the role alone",
    world: {
      roles: READONLY([
        ...S3_ALL,
        named('revoked', doc(deny('*', '*', { StringEquals: { 'aws:PrincipalTag/credvend-grant': 'g1' } }))),
      ]),
    },
    principal: session(TARGET, 'credvend-readonly', { tags: { 'credvend-grant': 'g2' } }),
    action: 's3:GetObject',
    resource: OBJECT,
    allowed: true,
  },
  {
    name: 'a Deny on sessions issued before a time refuses an older session',
    world: {
      roles: READONLY([
        ...S3_ALL,
        named('revoked', doc(deny('*', '*', { DateLessThan: { 'aws:TokenIssueTime': NOW.toISOString() } }))),
      ]),
    },
    principal: session(TARGET, 'credvend-readonly'),
    action: 's3:GetObject',
    resource: OBJECT,
    allowed: false,
  },
  {
    name: 'a Deny on one SourceIdentity leaves another caller alone',
    world: {
      roles: READONLY([
        ...S3_ALL,
        named('revoked', doc(deny('*', '*', { StringEquals: { 'aws:SourceIdentity': 'bob' } }))),
      ]),
    },
    principal: session(TARGET, 'credvend-readonly', { sourceIdentity: 'alice' }),
    action: 's3:GetObject',
    resource: OBJECT,
    allowed: true,
  },
  // Trust policies (cross-account: the caller's policy and the trust must both allow).
  {
    name: 'AssumeRole with the SourceIdentity and tag the trust requires',
    world: { roles: { ...READONLY([]), ...VEND_MAY_ASSUME } },
    principal: session(VENDING, 'vend'),
    action: 'sts:AssumeRole',
    resource: TARGET_ROLE,
    context: assumeContext(),
    allowed: true,
  },
  {
    name: 'AssumeRole without a SourceIdentity is refused by the trust',
    world: { roles: { ...READONLY([]), ...VEND_MAY_ASSUME } },
    principal: session(VENDING, 'vend'),
    action: 'sts:AssumeRole',
    resource: TARGET_ROLE,
    context: { 'aws:RequestTag/credvend-caller': 'alice', 'aws:TagKeys': ['credvend-caller'] },
    allowed: false,
  },
  {
    name: 'AssumeRole without the credvend-caller tag is refused by the trust',
    world: { roles: { ...READONLY([]), ...VEND_MAY_ASSUME } },
    principal: session(VENDING, 'vend'),
    action: 'sts:AssumeRole',
    resource: TARGET_ROLE,
    context: { 'sts:SourceIdentity': 'alice' },
    allowed: false,
  },
  {
    name: 'AssumeRole by a principal the trust does not name',
    world: {
      roles: {
        ...READONLY([]),
        ...role(VENDING, 'requests', { policies: [named('p', doc(allow('sts:AssumeRole')))] }),
      },
    },
    principal: session(VENDING, 'requests'),
    action: 'sts:AssumeRole',
    resource: TARGET_ROLE,
    context: assumeContext(),
    allowed: false,
  },
  {
    name: 'cross-account AssumeRole the trust allows but the caller policy does not',
    world: { roles: { ...READONLY([]), ...role(VENDING, 'vend', {}) } },
    principal: session(VENDING, 'vend'),
    action: 'sts:AssumeRole',
    resource: TARGET_ROLE,
    context: assumeContext(),
    allowed: false,
  },
  {
    name: 'AssumeRole with the wrong ExternalId',
    world: {
      roles: {
        ...VEND_MAY_ASSUME,
        ...role(TARGET, 'credvend-deploy', {
          trustPolicy: doc({
            Effect: 'Allow',
            Principal: { AWS: VEND_ROLE },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'sts:ExternalId': 'right' } },
          }),
        }),
      },
    },
    principal: session(VENDING, 'vend'),
    action: 'sts:AssumeRole',
    resource: `arn:aws:iam::${TARGET}:role/credvend-deploy`,
    context: { 'sts:ExternalId': 'wrong' },
    allowed: false,
  },
  {
    name: 'sts:TagSession the trust does not allow',
    world: {
      roles: {
        ...VEND_MAY_ASSUME,
        ...role(TARGET, 'credvend-x', {
          trustPolicy: doc({ Effect: 'Allow', Principal: { AWS: VEND_ROLE }, Action: 'sts:AssumeRole' }),
        }),
      },
    },
    principal: session(VENDING, 'vend'),
    action: 'sts:TagSession',
    resource: `arn:aws:iam::${TARGET}:role/credvend-x`,
    context: assumeContext(),
    allowed: false,
  },
  {
    name: 'the Lambda service assumes a function role that trusts it',
    world: {
      roles: role(VENDING, 'vend', {
        trustPolicy: doc({
          Effect: 'Allow',
          Principal: { Service: 'lambda.amazonaws.com' },
          Action: 'sts:AssumeRole',
        }),
      }),
    },
    principal: { kind: 'service', service: 'lambda.amazonaws.com', account: VENDING },
    action: 'sts:AssumeRole',
    resource: VEND_ROLE,
    allowed: true,
  },
  {
    name: 'a user cannot assume a function role that trusts only Lambda',
    world: {
      roles: role(VENDING, 'vend', {
        trustPolicy: doc({
          Effect: 'Allow',
          Principal: { Service: 'lambda.amazonaws.com' },
          Action: 'sts:AssumeRole',
        }),
      }),
      users: { u: [named('p', doc(allow('sts:AssumeRole')))] },
    },
    principal: user('u'),
    action: 'sts:AssumeRole',
    resource: VEND_ROLE,
    allowed: false,
  },
  // KMS: the key policy decides; IAM policies count only where it delegates to the account.
  {
    name: 'kms:Sign allowed by IAM where the key policy delegates to the account',
    world: { keyPolicies: { k1: ROOT_DELEGATES }, users: { u: [named('p', doc(allow('kms:Sign', KEY)))] } },
    principal: user('u'),
    action: 'kms:Sign',
    resource: KEY,
    allowed: true,
  },
  {
    name: 'kms:Sign refused where the key policy does not delegate, whatever IAM says',
    world: {
      keyPolicies: {
        k1: doc({
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${VENDING}:role/other` },
          Action: 'kms:*',
          Resource: '*',
        }),
      },
      users: { u: [named('p', doc(allow('kms:*')))] },
    },
    principal: user('u'),
    action: 'kms:Sign',
    resource: KEY,
    allowed: false,
  },
  // S3 bucket policy: a Deny there beats an identity Allow.
  {
    name: 'the digest role may write digests',
    world: {
      roles: role(VENDING, 'digest', { policies: S3_ALL }),
      bucketPolicies: { digests: ONLY_DIGEST_WRITES },
    },
    principal: session(VENDING, 'digest'),
    action: 's3:PutObject',
    resource: 'arn:aws:s3:::digests/d.json',
    resourceAccount: VENDING,
    allowed: true,
  },
  {
    name: 'another role may not write digests, though its policy allows s3:*',
    world: {
      roles: role(VENDING, 'admin', { policies: S3_ALL }),
      bucketPolicies: { digests: ONLY_DIGEST_WRITES },
    },
    principal: session(VENDING, 'admin'),
    action: 's3:PutObject',
    resource: 'arn:aws:s3:::digests/d.json',
    resourceAccount: VENDING,
    allowed: false,
    explicit: true,
  },
  // Organization keys.
  {
    name: 'aws:ResourceOrgID matches a resource in the organization',
    world: {
      users: {
        u: [named('p', doc(allow('s3:GetObject', '*', { StringEquals: { 'aws:ResourceOrgID': 'o-test' } })))],
      },
    },
    principal: user('u'),
    action: 's3:GetObject',
    resource: OBJECT,
    resourceAccount: VENDING,
    allowed: true,
  },
  {
    name: 'aws:ResourceOrgID does not match a resource outside it',
    world: {
      users: {
        u: [named('p', doc(allow('s3:GetObject', '*', { StringEquals: { 'aws:ResourceOrgID': 'o-test' } })))],
      },
    },
    principal: user('u'),
    action: 's3:GetObject',
    resource: OBJECT,
    resourceAccount: '333333333333',
    allowed: false,
  },
  {
    name: 'aws:ResourceOrgPaths allows a role in an allowed OU',
    world: {
      roles: role(TARGET, 'credvend-x', {
        trustPolicy: doc({
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${VENDING}:user/u` },
          Action: 'sts:AssumeRole',
        }),
      }),
      users: {
        u: [
          named(
            'p',
            doc(
              allow('sts:AssumeRole', '*', {
                'ForAnyValue:StringLike': { 'aws:ResourceOrgPaths': ['o-test/r-root/ou-workloads/*'] },
              }),
            ),
          ),
        ],
      },
    },
    principal: user('u'),
    action: 'sts:AssumeRole',
    resource: `arn:aws:iam::${TARGET}:role/credvend-x`,
    allowed: true,
  },
  {
    name: 'aws:ResourceOrgPaths refuses a role in another OU',
    world: {
      roles: role('444444444444', 'credvend-x', {
        trustPolicy: doc({
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${VENDING}:user/u` },
          Action: 'sts:AssumeRole',
        }),
      }),
      users: {
        u: [
          named(
            'p',
            doc(
              allow('sts:AssumeRole', '*', {
                'ForAnyValue:StringLike': { 'aws:ResourceOrgPaths': ['o-test/r-root/ou-workloads/*'] },
              }),
            ),
          ),
        ],
      },
    },
    principal: user('u'),
    action: 'sts:AssumeRole',
    resource: 'arn:aws:iam::444444444444:role/credvend-x',
    allowed: false,
  },
];

describe('IAM gate: documented outcomes', () => {
  it.each(CASES)('$name', async (c) => {
    const { verdict } = await decide({
      store: source(c.world),
      principal: c.principal,
      authorisations: [
        {
          action: c.action,
          resource: c.resource,
          ...(c.resourceAccount ? { resourceAccount: c.resourceAccount } : {}),
          ...(c.context ? { context: c.context } : {}),
        },
      ],
      region: 'us-east-1',
      organization: {
        id: 'o-test',
        accounts: [VENDING, TARGET, '444444444444'],
        paths: { [TARGET]: ['o-test/r-root/ou-workloads/'], '444444444444': ['o-test/r-root/ou-sandbox/'] },
      },
      now: NOW,
    });
    expect(verdict.allowed).toBe(c.allowed);
    // A refusal must be the policies' verdict, not the simulator failing to read its input.
    if (!verdict.allowed) expect(verdict.reason).not.toContain('could not judge');
    if (!verdict.allowed && c.explicit !== undefined) expect(verdict.explicit).toBe(c.explicit);
  });

  it("an account's root is bound by no IAM policy", async () => {
    const { verdict } = await decide({
      store: source({}),
      principal: { kind: 'root', account: VENDING, arn: `arn:aws:iam::${VENDING}:root` },
      authorisations: [{ action: 's3:PutObject', resource: OBJECT }],
      region: 'us-east-1',
      now: NOW,
    });
    expect(verdict.allowed).toBe(true);
  });
});

describe('IAM gate: STS duration rules', () => {
  const world = source({
    roles: { ...role(TARGET, 'short', {}), ...role(TARGET, 'long', { maxSessionDuration: 43_200 }) },
  });
  const params = (name: string, seconds: number) => ({
    RoleArn: `arn:aws:iam::${TARGET}:role/${name}`,
    RoleSessionName: 'x',
    DurationSeconds: String(seconds),
  });

  it('refuses a role chain longer than one hour, whatever the role allows', async () => {
    expect(await assumeRoleProblem(world, session(VENDING, 'vend'), params('long', 3601))).toMatchObject({
      code: 'ValidationError',
      message: expect.stringContaining('role chaining'),
    });
  });

  it("refuses a duration past the role's MaxSessionDuration", async () => {
    expect(await assumeRoleProblem(world, user('u'), params('short', 7200))).toMatchObject({
      code: 'ValidationError',
      message: expect.stringContaining('MaxSessionDuration'),
    });
  });

  it("allows a user's 12 h session on a role that allows 12 h", async () => {
    expect(await assumeRoleProblem(world, user('u'), params('long', 43_200))).toBeUndefined();
  });

  it('refuses a SourceIdentity STS would not accept', async () => {
    expect(
      await assumeRoleProblem(world, user('u'), { ...params('short', 900), SourceIdentity: 'aws:me' }),
    ).toMatchObject({ code: 'ValidationError' });
  });
});

describe('IAM gate: operation mapping', () => {
  const scope = {
    account: VENDING,
    region: 'us-east-1',
    lookups: {
      secretArn: async (_a: string, _r: string, id: string) =>
        `arn:aws:secretsmanager:us-east-1:${VENDING}:secret:${id}-abcdef`,
      bucketAccount: () => VENDING,
      partitionKey: async () => 'pk',
      roleBoundary: async () => 'arn:aws:iam::aws:policy/B',
    },
  };

  it('judges each item of a transaction as its own operation, with its partition key', async () => {
    const got = await authorisationsFor(
      {
        protocol: 'json',
        service: 'dynamodb',
        operation: 'TransactWriteItems',
        params: {
          TransactItems: [
            { Put: { TableName: 'a', Item: { pk: { S: 'revocation-lease|x' } } } },
            { Delete: { TableName: 'b', Key: { pk: { S: 'k' } } } },
          ],
        },
      },
      scope,
    );
    expect(got).toEqual([
      {
        action: 'dynamodb:PutItem',
        resource: `arn:aws:dynamodb:us-east-1:${VENDING}:table/a`,
        context: { 'dynamodb:LeadingKeys': ['revocation-lease|x'] },
      },
      {
        action: 'dynamodb:DeleteItem',
        resource: `arn:aws:dynamodb:us-east-1:${VENDING}:table/b`,
        context: { 'dynamodb:LeadingKeys': ['k'] },
      },
    ]);
  });

  it('needs s3:PutObjectRetention for a PutObject that sets a retention', async () => {
    const got = await authorisationsFor(
      {
        protocol: 's3',
        service: 's3',
        method: 'PUT',
        bucket: 'b',
        key: 'k',
        query: new URLSearchParams(),
        headers: { 'x-amz-object-lock-mode': 'COMPLIANCE' },
      },
      scope,
    );
    expect(got.map((a) => a.action)).toEqual(['s3:PutObject', 's3:PutObjectRetention']);
  });

  it('gives AttachRolePolicy the policy ARN and the role boundary as condition keys', async () => {
    const got = await authorisationsFor(
      {
        protocol: 'query',
        service: 'iam',
        operation: 'AttachRolePolicy',
        params: { RoleName: 'r', PolicyArn: 'arn:p' },
      },
      scope,
    );
    expect(got[0]?.context).toEqual({
      'iam:PolicyARN': 'arn:p',
      'iam:PermissionsBoundary': 'arn:aws:iam::aws:policy/B',
    });
  });

  it('refuses an operation it has no mapping for, naming it', async () => {
    await expect(
      authorisationsFor({ protocol: 'json', service: 'kms', operation: 'ReplicateKey', params: {} }, scope),
    ).rejects.toThrow(new UnmappedOperation('kms:ReplicateKey'));
    // PartiQL would read items without naming their keys: unmapped, so refused, never passed through.
    await expect(
      authorisationsFor(
        { protocol: 'json', service: 'dynamodb', operation: 'ExecuteStatement', params: {} },
        scope,
      ),
    ).rejects.toThrow(new UnmappedOperation('dynamodb:ExecuteStatement'));
  });

  it("gives a table Query its key condition's partition key as dynamodb:LeadingKeys, an index Query none", async () => {
    const query = (params: Record<string, unknown>) =>
      authorisationsFor({ protocol: 'json', service: 'dynamodb', operation: 'Query', params }, scope);
    expect(
      await query({
        TableName: 't',
        KeyConditionExpression: '#k = :v AND begins_with(sk, :p)',
        ExpressionAttributeNames: { '#k': 'pk' },
        ExpressionAttributeValues: { ':v': { S: 'revocation-intents' }, ':p': { S: 'x' } },
      }),
    ).toEqual([
      {
        action: 'dynamodb:Query',
        resource: `arn:aws:dynamodb:us-east-1:${VENDING}:table/t`,
        context: { 'dynamodb:LeadingKeys': ['revocation-intents'] },
      },
    ]);
    expect(
      await query({
        TableName: 't',
        IndexName: 'byRole',
        KeyConditionExpression: 'roleArn = :v',
        ExpressionAttributeValues: { ':v': { S: 'r' } },
      }),
    ).toEqual([
      { action: 'dynamodb:Query', resource: `arn:aws:dynamodb:us-east-1:${VENDING}:table/t/index/byRole` },
    ]);
  });

  it('gives a batch one decision per table, with every item’s partition key', async () => {
    const got = await authorisationsFor(
      {
        protocol: 'json',
        service: 'dynamodb',
        operation: 'BatchWriteItem',
        params: {
          RequestItems: {
            a: [
              { PutRequest: { Item: { pk: { S: 'one' } } } },
              { DeleteRequest: { Key: { pk: { S: 'two' } } } },
            ],
          },
        },
      },
      scope,
    );
    expect(got).toEqual([
      {
        action: 'dynamodb:BatchWriteItem',
        resource: `arn:aws:dynamodb:us-east-1:${VENDING}:table/a`,
        context: { 'dynamodb:LeadingKeys': ['one', 'two'] },
      },
    ]);
  });
});

describe('IAM gate: remembered decisions', () => {
  const TABLE = `arn:aws:dynamodb:us-east-1:${VENDING}:table/limits`;
  const store = source({
    roles: role(VENDING, 'sweep', {
      policies: [
        named(
          'leases',
          doc(
            allow('dynamodb:PutItem', TABLE, {
              'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['revocation-lease|*'] },
            }),
            allow('dynamodb:GetItem', TABLE),
          ),
        ),
      ],
    }),
  });
  const sweep = session(VENDING, 'sweep');
  const put = (cache: DecisionCache, key: string, now = NOW) =>
    decide({
      store,
      principal: sweep,
      authorisations: [
        { action: 'dynamodb:PutItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': [key] } },
      ],
      region: 'us-east-1',
      now,
      cache,
    });

  it('judges afresh a value of a condition key a policy tests: an Allow for one leading key is not another’s', async () => {
    const cache = new DecisionCache();
    expect((await put(cache, 'revocation-lease|a')).verdict.allowed).toBe(true);
    expect((await put(cache, 'caller|b')).verdict.allowed).toBe(false);
    expect((await put(cache, 'revocation-lease|a')).verdict.allowed).toBe(true);
    expect(cache.hits).toBe(1);
  });

  it('answers from memory when only a key no policy names differs (the clock), and forgets on a change', async () => {
    const cache = new DecisionCache();
    const get = (now: Date) =>
      decide({
        store,
        principal: sweep,
        authorisations: [
          {
            action: 'dynamodb:GetItem',
            resource: TABLE,
            context: { 'dynamodb:LeadingKeys': ['x'] },
          },
        ],
        region: 'us-east-1',
        now,
        cache,
      });
    await get(NOW);
    await get(new Date(NOW.getTime() + 5_000));
    expect(cache).toMatchObject({ hits: 1, misses: 1 });
    cache.invalidate();
    await get(NOW);
    expect(cache).toMatchObject({ hits: 1, misses: 2 });
  });
});

describe('IAM gate: refusals in AWS shapes', () => {
  const kind = { code: 'AccessDenied', message: 'User: x is not authorized' } as const;

  it('JSON protocols: 400 AccessDeniedException', () => {
    const r = refusal(kind, 'json', 'dynamodb');
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toMatchObject({ __type: expect.stringMatching(/#AccessDeniedException$/) });
  });

  it('query protocols: 403 ErrorResponse AccessDenied', () => {
    const r = refusal(kind, 'query', 'sts');
    expect(r.status).toBe(403);
    expect(r.body).toMatch(
      /^<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"><Error><Type>Sender<\/Type><Code>AccessDenied<\/Code>/,
    );
  });

  it('S3: 403 Error AccessDenied', () => {
    const r = refusal(kind, 's3', 's3');
    expect(r.status).toBe(403);
    expect(r.body).toContain('<Error><Code>AccessDenied</Code>');
  });
});
