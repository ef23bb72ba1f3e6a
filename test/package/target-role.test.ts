import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse, type Tags } from 'yaml';

/** CloudFormation's short-form intrinsics as plain objects, so the template can be inspected. */
const cloudFormationTags: Tags = ['Ref', 'GetAtt', 'If', 'Not', 'Equals', 'Sub'].flatMap((name) => {
  const key = name === 'Ref' ? 'Ref' : `Fn::${name}`;
  return (['scalar', 'seq'] as const).map((collection) => ({
    tag: `!${name}`,
    collection: collection === 'seq' ? ('seq' as const) : undefined,
    resolve: (value: unknown) => ({
      [key]:
        value && typeof value === 'object' && 'toJSON' in value && typeof value.toJSON === 'function'
          ? value.toJSON()
          : value,
    }),
  }));
}) as unknown as Tags;

interface Statement {
  Sid: string;
  Principal: { AWS: unknown };
  Action: string | string[];
  Condition?: unknown;
}

describe('deploy/target-account-role.yaml', () => {
  it('trusts only the credvend role, requires tags and SourceIdentity, and an optional ExternalId', async () => {
    const template = parse(await readFile('deploy/target-account-role.yaml', 'utf8'), {
      customTags: cloudFormationTags,
    }) as {
      Parameters: Record<string, { Type: string; MinValue?: number; MaxValue?: number }>;
      Conditions: Record<string, unknown>;
      Resources: {
        CredvendTargetRole: {
          Properties: { MaxSessionDuration: unknown; AssumeRolePolicyDocument: { Statement: Statement[] } };
        };
      };
    };
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

  it('offers a revoker role that may only edit inline policies of credvend roles', async () => {
    const template = parse(await readFile('deploy/target-account-role.yaml', 'utf8'), {
      customTags: cloudFormationTags,
    }) as {
      Resources: Record<string, { Condition?: string; Properties: Record<string, unknown> }>;
    };
    const revoker = template.Resources.CredvendRevokerRole;
    expect(revoker?.Condition).toBe('AllowsRevocation');
    const policies = JSON.stringify(revoker?.Properties.Policies);
    expect(policies).toContain('"Action":["iam:GetRolePolicy","iam:PutRolePolicy"]');
    expect(policies).toContain('role/credvend-*');
  });
});
