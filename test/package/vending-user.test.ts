import { runSimulation } from '@cloud-copilot/iam-simulate';
import { describe, expect, it } from 'vitest';
import { sessionAllows } from '../oracle/iam-oracle.js';
import { ACCOUNT, type Instantiation, instantiate, packagedTemplate } from './instantiate.js';

/**
 * The IAM of vendingIdentity=user as the packaged template deploys it, judged by the IAM
 * simulator: what the vending user, the rotation role and the vend role may and may not do.
 * The simulator sees one account, so the template is instantiated in it.
 */

const SECRET = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:credvend-test-vending-key-AbCdEf`;
const SECRET_KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/0000-vending-key`;
const USER = `arn:aws:iam::${ACCOUNT}:user/credvend-test-vending`;
const TARGET_ROLE = `arn:aws:iam::${ACCOUNT}:role/credvend-readonly`;
/** This packaging confines role assumption to ALL_FEATURES' organization (organization.test.ts). */
const IN_ORGANIZATION = {
  'aws:ResourceOrgID': 'o-a1b2c3d4e5',
  'aws:ResourceOrgPaths': 'o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/',
};
const VIA_SECRETS_MANAGER = { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' };

/** As CloudFormation would deploy it with vendingIdentity=`mode` (the secret and user named as the stage names them). */
const deployedAs = (mode: 'user' | 'role'): Instantiation => ({
  conditions: { UsesVendingUser: mode === 'user' },
  physicalIds: { VendingKeySecretKey: '0000-vending-key' },
});

async function policiesOf(resource: string, mode: 'user' | 'role'): Promise<object[]> {
  const template = await packagedTemplate(mode === 'user' ? 'allFeatures' : 'defaults');
  const properties = instantiate(template, template.Resources[resource]?.Properties, deployedAs(mode)) as {
    Policies?: Array<{ PolicyDocument: object }>;
  };
  return (properties.Policies ?? []).map((p) => p.PolicyDocument);
}

function allows(policies: object[], action: string, resource: string, context: Record<string, string> = {}) {
  return sessionAllows(policies, { action, resource, context });
}

/** KMS needs its key policy too: the template's, which lets the account's IAM policies decide. */
async function keyAllows(policies: object[], action: string, context: Record<string, string> = {}) {
  const template = await packagedTemplate('allFeatures');
  const key = instantiate(
    template,
    template.Resources.VendingKeySecretKey?.Properties,
    deployedAs('user'),
  ) as {
    KeyPolicy: object;
  };
  const result = await runSimulation(
    {
      request: {
        principal: `arn:aws:sts::${ACCOUNT}:assumed-role/credvend-test-fn/session`,
        action,
        resource: { resource: SECRET_KEY, accountId: ACCOUNT },
        contextVariables: context,
      },
      identityPolicies: policies.map((policy, n) => ({ name: `role-${n}`, policy })),
      resourcePolicy: key.KeyPolicy,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  return result.resultType === 'single' && result.overallResult === 'Allowed';
}

describe('vendingIdentity=user, as packaged', () => {
  it('the vending user has no console, no policy of its own, and a group allowing only what the vend role has under role', async () => {
    const template = await packagedTemplate('allFeatures');
    const user = template.Resources.VendingUser;
    expect(user?.Condition).toBe('UsesVendingUser');
    expect(Object.keys(user?.Properties ?? {}).sort()).toEqual(['Groups', 'UserName']);
    expect(Object.values(template.Resources).map((r) => r.Type)).not.toContain('AWS::IAM::AccessKey');
    expect(Object.values(template.Resources).map((r) => r.Type)).not.toContain(
      'AWS::IAM::UserToGroupAddition',
    );
    const group = await policiesOf('VendingUserGroup', 'user');
    for (const action of ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'])
      expect(allows(group, action, TARGET_ROLE, IN_ORGANIZATION), action).toBe(true);
    expect(allows(group, 'sts:AssumeRole', `arn:aws:iam::${ACCOUNT}:role/credvend-revoker`)).toBe(false);
    expect(allows(group, 'sts:AssumeRole', `arn:aws:iam::${ACCOUNT}:role/admin`)).toBe(false);
    for (const [action, resource] of [
      ['iam:CreateAccessKey', USER],
      ['secretsmanager:GetSecretValue', SECRET],
      ['s3:ListAllMyBuckets', '*'],
      ['sts:GetFederationToken', USER],
    ] as const)
      expect(allows(group, action, resource), action).toBe(false);
  });

  it("the rotation role manages the vending user's keys and its secret, nothing else", async () => {
    const rotation = await policiesOf('RotationRole', 'user');
    for (const action of [
      'iam:ListAccessKeys',
      'iam:CreateAccessKey',
      'iam:UpdateAccessKey',
      'iam:DeleteAccessKey',
    ])
      expect(allows(rotation, action, USER), action).toBe(true);
    const someoneElse = `arn:aws:iam::${ACCOUNT}:user/admin`;
    expect(allows(rotation, 'iam:CreateAccessKey', someoneElse)).toBe(false);
    for (const action of [
      'iam:PutUserPolicy',
      'iam:AttachUserPolicy',
      'iam:AddUserToGroup',
      'iam:CreateLoginProfile',
    ])
      expect(allows(rotation, action, USER), action).toBe(false);
    for (const action of ['secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'])
      expect(allows(rotation, action, SECRET), action).toBe(true);
    expect(allows(rotation, 'secretsmanager:PutSecretValue', `${SECRET}-other`)).toBe(false);
    expect(allows(rotation, 'secretsmanager:DeleteSecret', SECRET)).toBe(false);
    expect(await keyAllows(rotation, 'kms:Decrypt', VIA_SECRETS_MANAGER)).toBe(true);
    expect(await keyAllows(rotation, 'kms:GenerateDataKey', VIA_SECRETS_MANAGER)).toBe(true);
    expect(await keyAllows(rotation, 'kms:Decrypt')).toBe(false);
    expect(allows(rotation, 'sts:AssumeRole', TARGET_ROLE)).toBe(false);
  });

  it('the vend role reads the key (through Secrets Manager only) and no longer assumes target roles itself', async () => {
    const vend = await policiesOf('VendRole', 'user');
    expect(allows(vend, 'secretsmanager:GetSecretValue', SECRET)).toBe(true);
    expect(allows(vend, 'secretsmanager:PutSecretValue', SECRET)).toBe(false);
    expect(await keyAllows(vend, 'kms:Decrypt', VIA_SECRETS_MANAGER)).toBe(true);
    expect(await keyAllows(vend, 'kms:Decrypt')).toBe(false);
    expect(await keyAllows(vend, 'kms:GenerateDataKey', VIA_SECRETS_MANAGER)).toBe(false);
    expect(allows(vend, 'sts:AssumeRole', TARGET_ROLE)).toBe(false);
    expect(allows(vend, 'iam:CreateAccessKey', USER)).toBe(false);
  });

  it('under the default role, the vend role assumes target roles and reads no secret', async () => {
    const vend = await policiesOf('VendRole', 'role');
    expect(allows(vend, 'sts:AssumeRole', TARGET_ROLE)).toBe(true);
    expect(allows(vend, 'secretsmanager:GetSecretValue', SECRET)).toBe(false);
    const template = await packagedTemplate('defaults');
    const conditional = Object.entries(template.Resources)
      .filter(([, r]) => r.Condition === 'UsesVendingUser')
      .map(([id]) => id);
    expect(conditional).toEqual(
      expect.arrayContaining(['VendingUser', 'VendingKeySecret', 'RotationRole', 'RotationLambdaFunction']),
    );
    expect(template.Conditions?.UsesVendingUser).toEqual({ 'Fn::Equals': ['role', 'user'] });
  });
});
