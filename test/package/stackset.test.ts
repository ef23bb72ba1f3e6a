import { describe, expect, it } from 'vitest';
import { readCloudFormationYaml } from '../../src/local/cloudformation/yaml.js';

interface Template {
  Parameters: Record<string, { Type: string; Default?: unknown; AllowedPattern?: string }>;
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
}

describe('deploy/target-account-stackset.yaml', () => {
  it('deploys the target-account role to every account of the given OUs, service-managed, one region', async () => {
    const stackset = (await readCloudFormationYaml('deploy/target-account-stackset.yaml')) as Template;
    const role = (await readCloudFormationYaml('deploy/target-account-role.yaml')) as Template;
    const [resource, ...others] = Object.values(stackset.Resources);
    expect(others).toEqual([]);
    expect(resource?.Type).toBe('AWS::CloudFormation::StackSet');
    const p = resource?.Properties ?? {};
    expect(p).toMatchObject({
      PermissionModel: 'SERVICE_MANAGED',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      TemplateURL: { Ref: 'RoleTemplateUrl' },
      StackInstancesGroup: [
        {
          DeploymentTargets: { OrganizationalUnitIds: { Ref: 'OrganizationalUnitIds' } },
          Regions: [{ Ref: 'Region' }],
        },
      ],
    });
    // Every parameter of the role template is forwarded, from a wrapper parameter of the same name and type.
    const forwarded = (p.Parameters as Array<{ ParameterKey: string; ParameterValue: unknown }>).map(
      (x) => x.ParameterKey,
    );
    expect([...forwarded].sort()).toEqual(Object.keys(role.Parameters).sort());
    for (const name of forwarded) {
      expect(stackset.Parameters[name]?.Type, name).toBe(role.Parameters[name]?.Type);
      expect(stackset.Parameters[name]?.Default, name).toEqual(role.Parameters[name]?.Default);
    }
  });

  it('accepts OU and root ids only, a role as the vending identity, and optionally the vending user', async () => {
    const { Parameters } = (await readCloudFormationYaml('deploy/target-account-stackset.yaml')) as Template;
    const ou = new RegExp(Parameters.OrganizationalUnitIds?.AllowedPattern ?? '$^');
    expect(['ou-ab12-abcdefgh', 'r-ab12'].filter((id) => ou.test(id))).toHaveLength(2);
    expect(['123456789012', 'ou-ab12', ''].filter((id) => ou.test(id))).toEqual([]);
    const principal = new RegExp(Parameters.CredvendRoleArn?.AllowedPattern ?? '$^');
    expect(principal.test('arn:aws:iam::111111111111:role/credvend-prod-VendRole-X')).toBe(true);
    expect(principal.test('arn:aws:iam::111111111111:user/credvend-prod-vending')).toBe(false);
    expect(principal.test('arn:aws:iam::111111111111:root')).toBe(false);
    const user = new RegExp(Parameters.CredvendUserArn?.AllowedPattern ?? '$^');
    expect(
      ['', 'arn:aws:iam::111111111111:user/credvend-prod-vending'].filter((arn) => user.test(arn)),
    ).toHaveLength(2);
    expect(user.test('arn:aws:iam::111111111111:role/credvend-prod-VendRole-X')).toBe(false);
  });
});
