import { describe, expect, it } from 'vitest';
import { deploy } from '../../src/local/cloudformation/resolve.js';
import { readCloudFormationYaml } from '../../src/local/cloudformation/yaml.js';

const VEND_EU = 'arn:aws:iam::111111111111:role/credvend-prod-eu-west-1-vend';
const VEND_US = 'arn:aws:iam::111111111111:role/credvend-prod-us-east-1-vend';

interface Template {
  Parameters: Record<
    string,
    {
      Type: string;
      Default?: unknown;
      AllowedPattern?: string;
      AllowedValues?: unknown[];
      MinValue?: number;
      MaxValue?: number;
      MinLength?: number;
      MaxLength?: number;
    }
  >;
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
    // …with the same validation: CloudFormation refuses a bad value when the StackSet is
    // created, not later in each account's stack instance.
    const VALIDATION = [
      'Type',
      'Default',
      'AllowedPattern',
      'AllowedValues',
      'MinValue',
      'MaxValue',
      'MinLength',
      'MaxLength',
    ] as const;
    for (const name of forwarded) {
      const pick = (declared: Template['Parameters'][string] | undefined) =>
        Object.fromEntries(VALIDATION.map((key) => [key, declared?.[key]]));
      expect(pick(stackset.Parameters[name]), name).toEqual(pick(role.Parameters[name]));
    }
  });

  it('forwards each list parameter as the same list, and every other parameter as given', async () => {
    const stackset = (await readCloudFormationYaml('deploy/target-account-stackset.yaml')) as Template;
    const role = (await readCloudFormationYaml('deploy/target-account-role.yaml')) as Template;
    const given = {
      RoleTemplateUrl: 'https://bucket.s3.us-east-1.amazonaws.com/target-account-role.yaml',
      OrganizationalUnitIds: 'ou-ab12-11111111',
      CredvendRoleArn: `${VEND_EU},${VEND_US}`,
      CredvendUserArn: '',
      CredvendAdminRoleArn: 'arn:aws:iam::111111111111:role/credvend-prod-eu-west-1-admin',
      ManagedPolicyArns:
        'arn:aws:iam::aws:policy/ReadOnlyAccess,arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess',
      MaxSessionDuration: '7200',
    };
    const stack = deploy(stackset, {
      accountId: '999999999999',
      region: 'us-east-1',
      stackName: 'credvend-org-roles',
      parameters: given,
    });
    const [resource] = Object.values(stackset.Resources);
    const { Parameters: forwarded } = stack.resolve(resource?.Properties) as {
      Parameters: Array<{ ParameterKey: string; ParameterValue: string | number }>;
    };
    const asInstance = Object.fromEntries(forwarded.map((p) => [p.ParameterKey, String(p.ParameterValue)]));
    // Each account's stack instance resolves the role template's parameters from those strings.
    const instance = deploy(role, {
      accountId: '222222222222',
      region: 'us-east-1',
      stackName: 'StackSet-credvend',
      parameters: asInstance,
    });
    const direct = deploy(role, {
      accountId: '222222222222',
      region: 'us-east-1',
      stackName: 'credvend-readonly',
      parameters: given,
    });
    for (const name of Object.keys(role.Parameters))
      expect(instance.resolve({ Ref: name }), name).toEqual(direct.resolve({ Ref: name }));
    expect(instance.resolve({ Ref: 'CredvendRoleArn' })).toEqual([VEND_EU, VEND_US]);
  });

  it('accepts OU and root ids only, a role as the vending identity, and optionally the vending user', async () => {
    const { Parameters } = (await readCloudFormationYaml('deploy/target-account-stackset.yaml')) as Template;
    const ou = new RegExp(Parameters.OrganizationalUnitIds?.AllowedPattern ?? '$^');
    expect(['ou-ab12-abcdefgh', 'r-ab12'].filter((id) => ou.test(id))).toHaveLength(2);
    expect(['123456789012', 'ou-ab12', ''].filter((id) => ou.test(id))).toEqual([]);
    // A list's pattern applies to each element: the list of ARNs, split as CloudFormation splits it.
    const principal = new RegExp(Parameters.CredvendRoleArn?.AllowedPattern ?? '$^');
    expect(Parameters.CredvendRoleArn?.Type).toBe('CommaDelimitedList');
    expect([VEND_EU, VEND_US].every((arn) => principal.test(arn))).toBe(true);
    expect(principal.test('')).toBe(false);
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
