import { describe, expect, it } from 'vitest';
import { actionsOf, policyStatements, readCloudFormationYaml } from './cloudformation-yaml.js';

interface Statement {
  Sid: string;
  Principal: { AWS: unknown };
  Action: string | string[];
  Condition?: unknown;
}

describe('deploy/target-account-role.yaml', () => {
  it('trusts only the credvend role, requires tags and SourceIdentity, and an optional ExternalId', async () => {
    const template = (await readCloudFormationYaml('deploy/target-account-role.yaml')) as {
      Parameters: Record<string, { Type: string; Default?: unknown; MinValue?: number; MaxValue?: number }>;
      Conditions: Record<string, unknown>;
      Resources: {
        CredvendTargetRole: {
          Properties: {
            RoleName: unknown;
            ManagedPolicyArns: unknown;
            MaxSessionDuration: unknown;
            AssumeRolePolicyDocument: { Statement: Statement[] };
          };
        };
      };
      Outputs: Record<string, { Value: unknown }>;
    };
    expect(template.Parameters.RoleName).toMatchObject({ Type: 'String', Default: 'credvend-readonly' });
    expect(template.Parameters.ManagedPolicyArns?.Type).toBe('CommaDelimitedList');
    expect(template.Resources.CredvendTargetRole.Properties).toMatchObject({
      RoleName: { Ref: 'RoleName' },
      ManagedPolicyArns: { Ref: 'ManagedPolicyArns' },
    });
    expect(template.Outputs.RoleArn?.Value).toEqual({ 'Fn::GetAtt': 'CredvendTargetRole.Arn' });
    expect(template.Parameters.MaxSessionDuration).toMatchObject({
      Type: 'Number',
      MinValue: 3600,
      MaxValue: 43200,
    });
    const role = template.Resources.CredvendTargetRole.Properties;
    expect(role.MaxSessionDuration).toEqual({ Ref: 'MaxSessionDuration' });
    const statements = role.AssumeRolePolicyDocument.Statement;
    for (const statement of statements)
      expect(statement.Principal).toEqual({ AWS: { Ref: 'CredvendRoleArn' } });
    expect(statements.flatMap((s) => [s.Action].flat()).sort()).toEqual([
      'sts:AssumeRole',
      'sts:SetSourceIdentity',
      'sts:TagSession',
    ]);
    const assume = statements.find((s) => s.Action === 'sts:AssumeRole');
    expect(assume?.Condition).toEqual({
      'Fn::If': [
        'HasExternalId',
        {
          StringEquals: { 'sts:ExternalId': { Ref: 'ExternalId' } },
          Null: { 'sts:SourceIdentity': 'false' },
        },
        { Null: { 'sts:SourceIdentity': 'false' } },
      ],
    });
    expect(template.Conditions.HasExternalId).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'ExternalId' }, ''] }],
    });
  });

  it('offers a revoker role that may only edit inline policies of credvend roles, never its own', async () => {
    const template = (await readCloudFormationYaml('deploy/target-account-role.yaml')) as {
      Resources: Record<string, { Condition?: string; Properties: Record<string, unknown> }>;
    };
    const revoker = template.Resources.CredvendRevokerRole;
    expect(revoker?.Condition).toBe('AllowsRevocation');
    const statements = policyStatements(revoker?.Properties.Policies);
    const allow = statements.filter((s) => s.Effect === 'Allow');
    expect(allow.flatMap(actionsOf).sort()).toEqual(['iam:GetRolePolicy', 'iam:PutRolePolicy']);
    expect(JSON.stringify(allow.map((s) => s.Resource))).toContain('role/credvend-*');
    // Its own name matches credvend-*: it must not be able to rewrite its own permissions.
    const ownName = revoker?.Properties.RoleName;
    expect(statements).toContainEqual({
      Effect: 'Deny',
      Action: ['iam:PutRolePolicy'],
      Resource: { 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${ownName}` },
    });
  });
});
