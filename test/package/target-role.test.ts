import { describe, expect, it } from 'vitest';
import { type CloudFormationTemplate, deploy } from '../../src/local/cloudformation/resolve.js';
import { readCloudFormationYaml } from '../../src/local/cloudformation/yaml.js';
import { resourcePolicyAllows, sessionAllows } from '../oracle/iam-oracle.js';

/**
 * deploy/target-account-role.yaml, judged by an independent IAM simulator: its policies
 * are instantiated as CloudFormation would (parameters, conditions, !Sub) and evaluated
 * against concrete requests, rather than compared with expected text.
 */

const ACCOUNT = '222222222222';
const VEND_ROLE = 'arn:aws:iam::111111111111:role/credvend-vend';
const VEND_SESSION = 'arn:aws:sts::111111111111:assumed-role/credvend-vend/issuer';
const ADMIN_ROLE = 'arn:aws:iam::111111111111:role/credvend-admin';
const REQUESTS_ROLE = 'arn:aws:iam::111111111111:role/credvend-requests';
const REQUESTS_SESSION = 'arn:aws:sts::111111111111:assumed-role/credvend-requests/s';
const SWEEP_ROLE = 'arn:aws:iam::111111111111:role/credvend-revocations';
const SWEEP_SESSION = 'arn:aws:sts::111111111111:assumed-role/credvend-revocations/s';
const VENDING_USER = 'arn:aws:iam::111111111111:user/credvend-prod-vending';
const BOUNDARY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';

type Template = CloudFormationTemplate & { Outputs: Record<string, { Value: unknown }> };

async function deployed(params: Record<string, string>) {
  const template = (await readCloudFormationYaml('deploy/target-account-role.yaml')) as Template;
  const all = { CredvendRoleArn: VEND_ROLE, RoleName: 'credvend-readonly', ...params };
  const stack = deploy(template, {
    accountId: ACCOUNT,
    region: 'us-east-1',
    stackName: 'credvend-readonly',
    parameters: all,
  });
  const role = stack.resolve(template.Resources.CredvendTargetRole?.Properties) as {
    AssumeRolePolicyDocument: object;
    PermissionsBoundary?: string;
  };
  const revoker = stack.resolve(template.Resources.CredvendRevokerRole?.Properties) as {
    Policies: Array<{ PolicyDocument: object }>;
    AssumeRolePolicyDocument: object;
  };
  return { template, role, revoker, roleArn: `arn:aws:iam::${ACCOUNT}:role/${all.RoleName}` };
}

describe('deploy/target-account-role.yaml trust policy', () => {
  const assume = async (trust: object, principal: string, context: Record<string, string>, roleArn: string) =>
    resourcePolicyAllows(trust, { principal, action: 'sts:AssumeRole', resource: roleArn, context });
  const complete = {
    'sts:ExternalId': 'ext-123',
    'sts:SourceIdentity': 'alice.0561798b',
    'aws:RequestTag/credvend-caller': 'alice@example.com',
    'aws:PrincipalArn': VEND_ROLE,
  };
  const without = (key: string) => Object.fromEntries(Object.entries(complete).filter(([k]) => k !== key));

  it("allows only credvend's vending role, with the ExternalId, a SourceIdentity and the caller tag", async () => {
    const { role, roleArn } = await deployed({ ExternalId: 'ext-123' });
    const trust = role.AssumeRolePolicyDocument;
    expect(await assume(trust, VEND_SESSION, complete, roleArn)).toBe(true);
    expect(await assume(trust, VEND_SESSION, { ...complete, 'sts:ExternalId': 'ext-999' }, roleArn)).toBe(
      false,
    );
    expect(await assume(trust, VEND_SESSION, without('sts:ExternalId'), roleArn)).toBe(false);
    expect(await assume(trust, VEND_SESSION, without('sts:SourceIdentity'), roleArn)).toBe(false);
    expect(await assume(trust, VEND_SESSION, without('aws:RequestTag/credvend-caller'), roleArn)).toBe(false);
    const other = 'arn:aws:sts::111111111111:assumed-role/someone-else/x';
    expect(
      await assume(
        trust,
        other,
        { ...complete, 'aws:PrincipalArn': 'arn:aws:iam::111111111111:role/someone-else' },
        roleArn,
      ),
    ).toBe(false);
    expect(await assume(trust, 'arn:aws:iam::333333333333:root', complete, roleArn)).toBe(false);
  });

  it('without an ExternalId parameter, still requires the SourceIdentity and the caller tag', async () => {
    const { role, roleArn } = await deployed({ ExternalId: '' });
    const trust = role.AssumeRolePolicyDocument;
    expect(await assume(trust, VEND_SESSION, without('sts:ExternalId'), roleArn)).toBe(true);
    expect(await assume(trust, VEND_SESSION, without('aws:RequestTag/credvend-caller'), roleArn)).toBe(false);
    expect(await assume(trust, VEND_SESSION, without('sts:SourceIdentity'), roleArn)).toBe(false);
  });

  it('lets the vending role tag the session and set its SourceIdentity', async () => {
    const { role, roleArn } = await deployed({ ExternalId: '' });
    for (const action of ['sts:TagSession', 'sts:SetSourceIdentity']) {
      expect(
        await resourcePolicyAllows(role.AssumeRolePolicyDocument, {
          principal: VEND_SESSION,
          action,
          resource: roleArn,
          context: complete,
        }),
      ).toBe(true);
    }
  });

  it("with CredvendUserArn, trusts credvend's vending user under the same conditions, and nobody else more", async () => {
    const { role, roleArn } = await deployed({ ExternalId: 'ext-123', CredvendUserArn: VENDING_USER });
    const trust = role.AssumeRolePolicyDocument;
    const asUser = { ...complete, 'aws:PrincipalArn': VENDING_USER };
    const userWithout = (key: string) =>
      Object.fromEntries(Object.entries(asUser).filter(([k]) => k !== key));
    expect(await assume(trust, VENDING_USER, asUser, roleArn)).toBe(true);
    expect(await assume(trust, VEND_SESSION, complete, roleArn)).toBe(true);
    expect(await assume(trust, VENDING_USER, { ...asUser, 'sts:ExternalId': 'ext-999' }, roleArn)).toBe(
      false,
    );
    expect(await assume(trust, VENDING_USER, userWithout('sts:SourceIdentity'), roleArn)).toBe(false);
    expect(await assume(trust, VENDING_USER, userWithout('aws:RequestTag/credvend-caller'), roleArn)).toBe(
      false,
    );
    const otherUser = 'arn:aws:iam::111111111111:user/someone-else';
    expect(await assume(trust, otherUser, { ...asUser, 'aws:PrincipalArn': otherUser }, roleArn)).toBe(false);
    for (const action of ['sts:TagSession', 'sts:SetSourceIdentity']) {
      expect(
        await resourcePolicyAllows(trust, {
          principal: VENDING_USER,
          action,
          resource: roleArn,
          context: asUser,
        }),
      ).toBe(true);
    }
  });

  // Two credvend stacks (regions, or a stage being replaced) trusted at once, each by its ARN.
  it('trusts every vend role and vending user its lists name, under the same conditions, and no other', async () => {
    const EU_ROLE = 'arn:aws:iam::111111111111:role/credvend-prod-eu-west-1-vend';
    const EU_SESSION = 'arn:aws:sts::111111111111:assumed-role/credvend-prod-eu-west-1-vend/issuer';
    const EU_USER = 'arn:aws:iam::111111111111:user/credvend-prod-eu-vending';
    const { role, roleArn } = await deployed({
      ExternalId: 'ext-123',
      CredvendRoleArn: `${VEND_ROLE},${EU_ROLE}`,
      CredvendUserArn: `${VENDING_USER},${EU_USER}`,
    });
    const trust = role.AssumeRolePolicyDocument;
    for (const [principal, principalArn] of [
      [VEND_SESSION, VEND_ROLE],
      [EU_SESSION, EU_ROLE],
      [VENDING_USER, VENDING_USER],
      [EU_USER, EU_USER],
    ] as const) {
      const context = { ...complete, 'aws:PrincipalArn': principalArn };
      expect(await assume(trust, principal, context, roleArn), principal).toBe(true);
      const bare = Object.fromEntries(Object.entries(context).filter(([k]) => k !== 'sts:SourceIdentity'));
      expect(await assume(trust, principal, bare, roleArn), principal).toBe(false);
    }
    const staging = 'arn:aws:iam::111111111111:role/credvend-staging-eu-west-1-vend';
    expect(
      await assume(
        trust,
        'arn:aws:sts::111111111111:assumed-role/credvend-staging-eu-west-1-vend/issuer',
        { ...complete, 'aws:PrincipalArn': staging },
        roleArn,
      ),
    ).toBe(false);
    // A list of roles and no users trusts no user.
    const rolesOnly = await deployed({ ExternalId: 'ext-123', CredvendRoleArn: `${VEND_ROLE},${EU_ROLE}` });
    const asUser = { ...complete, 'aws:PrincipalArn': VENDING_USER };
    expect(await assume(rolesOnly.role.AssumeRolePolicyDocument, VENDING_USER, asUser, roleArn)).toBe(false);
    expect(
      await assume(
        rolesOnly.role.AssumeRolePolicyDocument,
        EU_SESSION,
        { ...complete, 'aws:PrincipalArn': EU_ROLE },
        roleArn,
      ),
    ).toBe(true);
  });

  it('without CredvendUserArn, refuses the vending user', async () => {
    const { role, roleArn } = await deployed({ ExternalId: '' });
    const asUser = { ...complete, 'aws:PrincipalArn': VENDING_USER };
    expect(await assume(role.AssumeRolePolicyDocument, VENDING_USER, asUser, roleArn)).toBe(false);
  });

  it('says in its Description what the policy requires', async () => {
    const { template } = await deployed({});
    expect(JSON.stringify(template)).toMatch(
      /requires a SourceIdentity and the\s+credvend-caller session tag/,
    );
  });
});

describe('deploy/target-account-role.yaml revoker role', () => {
  const ctx = (policyArn: string, boundary?: string) => ({
    'iam:PolicyARN': policyArn,
    ...(boundary ? { 'iam:PermissionsBoundary': boundary } : {}),
  });
  const REVOCATIONS = `arn:aws:iam::${ACCOUNT}:policy/credvend-revocations/credvend-revocations-credvend-readonly-1`;
  const ROLE = `arn:aws:iam::${ACCOUNT}:role/credvend-readonly`;

  it('may write revocation policies and attach them only to credvend roles with the boundary', async () => {
    const { revoker, role } = await deployed({
      CredvendAdminRoleArn: ADMIN_ROLE,
      PermissionsBoundaryArn: BOUNDARY,
    });
    expect(role.PermissionsBoundary).toBe(BOUNDARY);
    const policies = revoker.Policies.map((p) => p.PolicyDocument);
    const can = (action: string, resource: string, context: Record<string, string> = {}) =>
      sessionAllows(policies, {
        action,
        resource,
        context,
        principal: `arn:aws:sts::${ACCOUNT}:assumed-role/credvend-revoker/s`,
      });
    expect(can('iam:AttachRolePolicy', ROLE, ctx(REVOCATIONS, BOUNDARY))).toBe(true);
    expect(can('iam:CreatePolicyVersion', REVOCATIONS)).toBe(true);
    expect(can('iam:ListAttachedRolePolicies', ROLE)).toBe(true);
    // What it must not do: grant more than the boundary, or change the boundary.
    expect(
      can('iam:AttachRolePolicy', ROLE, ctx('arn:aws:iam::aws:policy/AdministratorAccess', BOUNDARY)),
    ).toBe(false);
    expect(can('iam:AttachRolePolicy', ROLE, ctx(REVOCATIONS))).toBe(false);
    expect(
      can('iam:AttachRolePolicy', ROLE, ctx(REVOCATIONS, 'arn:aws:iam::aws:policy/AdministratorAccess')),
    ).toBe(false);
    expect(can('iam:CreatePolicyVersion', `arn:aws:iam::${ACCOUNT}:policy/anything-else`)).toBe(false);
    for (const action of [
      'iam:PutRolePolicy',
      'iam:PutRolePermissionsBoundary',
      'iam:DeleteRolePermissionsBoundary',
      'iam:UpdateAssumeRolePolicy',
      'iam:DetachRolePolicy',
    ]) {
      expect(can(action, ROLE)).toBe(false);
    }
    expect(
      can(
        'iam:AttachRolePolicy',
        `arn:aws:iam::${ACCOUNT}:role/credvend-revoker`,
        ctx(REVOCATIONS, BOUNDARY),
      ),
    ).toBe(false);
  });

  it('even a revocation policy rewritten to allow everything cannot grant beyond the boundary', async () => {
    const { role } = await deployed({ CredvendAdminRoleArn: ADMIN_ROLE, PermissionsBoundaryArn: BOUNDARY });
    // ReadOnlyAccess, reduced to what this check needs.
    const boundary = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['s3:Get*', 's3:List*', 'iam:Get*'], Resource: '*' }],
    };
    const allowEverything = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
    };
    const { runUnsafeSimulation } = await import('@cloud-copilot/iam-simulate');
    const session = (action: string) =>
      String(
        runUnsafeSimulation(
          {
            request: {
              principal: `arn:aws:sts::${ACCOUNT}:assumed-role/credvend-readonly/alice`,
              action,
              resource: { resource: `arn:aws:iam::${ACCOUNT}:user/x`, accountId: ACCOUNT },
              contextVariables: {},
            },
            identityPolicies: [{ name: 'revocations-1', policy: allowEverything }],
            permissionBoundaryPolicies: role.PermissionsBoundary
              ? [{ name: 'boundary', policy: boundary }]
              : [],
            serviceControlPolicies: [],
            resourceControlPolicies: [],
          },
          {},
        ),
      );
    expect(session('iam:CreateUser')).not.toBe('Allowed');
    expect(session('iam:GetUser')).toBe('Allowed');
  });

  it('is created only when an admin role is given, and only that role may assume it', async () => {
    const { template, revoker } = await deployed({ CredvendAdminRoleArn: ADMIN_ROLE });
    expect(template.Resources.CredvendRevokerRole?.Condition).toBe('AllowsRevocation');
    const trust = revoker.AssumeRolePolicyDocument;
    const as = async (principal: string) =>
      resourcePolicyAllows(trust, {
        principal,
        action: 'sts:AssumeRole',
        resource: `arn:aws:iam::${ACCOUNT}:role/credvend-revoker`,
        context: {},
      });
    expect(await as('arn:aws:sts::111111111111:assumed-role/credvend-admin/s')).toBe(true);
    expect(await as(VEND_SESSION)).toBe(false);
    const { role } = await deployed({ CredvendAdminRoleArn: '' });
    expect(role.PermissionsBoundary).toBeUndefined();
  });

  it('bounds a further role in the account for the existing revoker, without a second revoker (whose name would clash and fail the stack)', async () => {
    const template = (await readCloudFormationYaml('deploy/target-account-role.yaml')) as Template;
    const second = deploy(template, {
      accountId: ACCOUNT,
      region: 'us-east-1',
      stackName: 'credvend-deploy',
      parameters: {
        CredvendRoleArn: VEND_ROLE,
        RoleName: 'credvend-deploy',
        RevokedByExistingRevoker: 'true',
      },
    });
    expect(second.creates('CredvendRevokerRole')).toBe(false);
    const role = second.resolve(template.Resources.CredvendTargetRole?.Properties) as {
      PermissionsBoundary?: string;
    };
    expect(role.PermissionsBoundary).toBe(BOUNDARY);
  });

  // Ending a JIT grant early makes the requests function assume the revoker role: with only
  // the admin role trusted, AWS (and the local IAM gate) refuse that revocation.
  it('with CredvendRequestsRoleArn, trusts the requests role too, and still not the vend role', async () => {
    const assume = async (params: Record<string, string>, principal: string) => {
      const { revoker } = await deployed(params);
      return resourcePolicyAllows(revoker.AssumeRolePolicyDocument, {
        principal,
        action: 'sts:AssumeRole',
        resource: `arn:aws:iam::${ACCOUNT}:role/credvend-revoker`,
        context: {},
      });
    };
    const both = { CredvendAdminRoleArn: ADMIN_ROLE, CredvendRequestsRoleArn: REQUESTS_ROLE };
    expect(await assume(both, REQUESTS_SESSION)).toBe(true);
    expect(await assume(both, 'arn:aws:sts::111111111111:assumed-role/credvend-admin/s')).toBe(true);
    expect(await assume(both, VEND_SESSION)).toBe(false);
    expect(await assume({ CredvendAdminRoleArn: ADMIN_ROLE }, REQUESTS_SESSION)).toBe(false);
  });

  // The revocation sweep completes revocations left due; it must reach the revoker role too.
  it('with CredvendRevocationsRoleArn, trusts the revocation sweep role too, alone or beside the requests role', async () => {
    const assume = async (params: Record<string, string>, principal: string) => {
      const { revoker } = await deployed(params);
      return resourcePolicyAllows(revoker.AssumeRolePolicyDocument, {
        principal,
        action: 'sts:AssumeRole',
        resource: `arn:aws:iam::${ACCOUNT}:role/credvend-revoker`,
        context: {},
      });
    };
    const sweep = { CredvendAdminRoleArn: ADMIN_ROLE, CredvendRevocationsRoleArn: SWEEP_ROLE };
    const all = { ...sweep, CredvendRequestsRoleArn: REQUESTS_ROLE };
    expect(await assume(sweep, SWEEP_SESSION)).toBe(true);
    expect(await assume(sweep, REQUESTS_SESSION)).toBe(false);
    expect(await assume(all, SWEEP_SESSION)).toBe(true);
    expect(await assume(all, REQUESTS_SESSION)).toBe(true);
    expect(await assume(all, VEND_SESSION)).toBe(false);
    expect(await assume({ CredvendAdminRoleArn: ADMIN_ROLE }, SWEEP_SESSION)).toBe(false);
  });

  it("trusts every role of each list (several credvend stacks' admin, requests and sweep roles), and no other", async () => {
    const eu = (fn: string) => `arn:aws:iam::111111111111:role/credvend-prod-eu-west-1-${fn}`;
    const euSession = (fn: string) =>
      `arn:aws:sts::111111111111:assumed-role/credvend-prod-eu-west-1-${fn}/s`;
    const { revoker } = await deployed({
      CredvendAdminRoleArn: `${ADMIN_ROLE},${eu('admin')}`,
      CredvendRequestsRoleArn: `${REQUESTS_ROLE},${eu('requests')}`,
      CredvendRevocationsRoleArn: `${SWEEP_ROLE},${eu('revocations')}`,
    });
    const as = (principal: string) =>
      resourcePolicyAllows(revoker.AssumeRolePolicyDocument, {
        principal,
        action: 'sts:AssumeRole',
        resource: `arn:aws:iam::${ACCOUNT}:role/credvend-revoker`,
        context: {},
      });
    for (const principal of [
      'arn:aws:sts::111111111111:assumed-role/credvend-admin/s',
      REQUESTS_SESSION,
      SWEEP_SESSION,
      euSession('admin'),
      euSession('requests'),
      euSession('revocations'),
    ])
      expect(await as(principal), principal).toBe(true);
    expect(await as(euSession('vend'))).toBe(false);
    expect(await as(VEND_SESSION)).toBe(false);
    expect(await as('arn:aws:sts::111111111111:assumed-role/credvend-staging-eu-west-1-admin/s')).toBe(false);
  });

  it("is named by RevokerRoleName (credvend's revokerRoleName), and never touches itself under that name", async () => {
    const params = {
      CredvendAdminRoleArn: ADMIN_ROLE,
      PermissionsBoundaryArn: BOUNDARY,
      RevokerRoleName: 'credvend-rev-eu',
    };
    const named = await deployed(params);
    const properties = deploy(named.template, {
      accountId: ACCOUNT,
      region: 'us-east-1',
      stackName: 'credvend-readonly',
      parameters: {
        CredvendRoleArn: VEND_ROLE,
        CredvendAdminRoleArn: ADMIN_ROLE,
        RevokerRoleName: 'credvend-rev-eu',
      },
    }).resolve(named.template.Resources.CredvendRevokerRole?.Properties) as { RoleName: string };
    expect(properties.RoleName).toBe('credvend-rev-eu');
    const policies = named.revoker.Policies.map((p) => p.PolicyDocument);
    const itself = `arn:aws:iam::${ACCOUNT}:role/credvend-rev-eu`;
    const attach = { 'iam:PolicyARN': REVOCATIONS, 'iam:PermissionsBoundary': BOUNDARY };
    expect(
      sessionAllows(policies, { action: 'iam:AttachRolePolicy', resource: itself, context: attach }),
    ).toBe(false);
    expect(sessionAllows(policies, { action: 'iam:AttachRolePolicy', resource: ROLE, context: attach })).toBe(
      true,
    );
    const byDefault = await deployed({ CredvendAdminRoleArn: ADMIN_ROLE });
    expect(byDefault.template.Parameters?.RevokerRoleName).toMatchObject({ Default: 'credvend-revoker' });
  });

  it('keeps its parameters and output', async () => {
    const { template } = await deployed({});
    expect(template.Parameters?.RoleName).toMatchObject({ Default: 'credvend-readonly' });
    expect(template.Outputs.RoleArn?.Value).toEqual({ 'Fn::GetAtt': 'CredvendTargetRole.Arn' });
  });
});
