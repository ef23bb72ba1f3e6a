import { describe, expect, it } from 'vitest';
import { roleNameProblems } from '../../deploy/harden-template.js';
import { type CloudFormationResource, deploy } from '../../src/local/cloudformation/resolve.js';
import { type PackagedTemplate, packagedTemplate } from './instantiate.js';

/**
 * How a deploy reaches the functions, in the packaged template: each function runs a published
 * version behind its `live` alias, every invoker calls the alias, CodeDeploy shifts the alias
 * gradually and rolls back on alarms; every function is traced; every role has a stable name.
 */

type Resource = CloudFormationResource & { UpdatePolicy?: Record<string, unknown> };

const VARIANTS = ['defaults', 'allFeatures'] as const;
/** Resources that invoke a function. */
const INVOKERS = [
  'AWS::ApiGatewayV2::Integration',
  'AWS::Lambda::Permission',
  'AWS::Lambda::EventSourceMapping',
  'AWS::Events::Rule',
  'AWS::SecretsManager::RotationSchedule',
];

const byType = (template: PackagedTemplate, type: string) =>
  Object.entries(template.Resources as Record<string, Resource>).filter(([, r]) => r.Type === type);

/** Each of the template's conditions decided both ways: the resources of both deployments. */
function deployments(template: PackagedTemplate) {
  const region = { accountId: '222222222222', region: 'us-east-1', stackName: 'credvend-test' };
  const names = Object.keys(template.Conditions ?? {});
  return [true, false].map((value) =>
    deploy(template, { ...region, conditions: Object.fromEntries(names.map((n) => [n, value])) }),
  );
}

describe.each(VARIANTS)('packaged with %s', (variant) => {
  it('runs each function as a published version behind a live alias CodeDeploy shifts, rolling back on alarms', async () => {
    const template = await packagedTemplate(variant);
    const resources = template.Resources as Record<string, Resource>;
    const functions = byType(template, 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThanOrEqual(8);
    expect(resources.CodeDeployApplication?.Properties).toEqual({ ComputePlatform: 'Lambda' });
    for (const [id, fn] of functions) {
      const versions = byType(template, 'AWS::Lambda::Version').filter(
        ([, v]) => JSON.stringify(v.Properties?.FunctionName) === JSON.stringify({ Ref: id }),
      );
      expect(versions, id).toHaveLength(1);
      const [versionId = '', version] = versions[0] ?? [];
      expect(version?.Condition, id).toBe(fn.Condition);
      const aliases = byType(template, 'AWS::Lambda::Alias').filter(
        ([, a]) => JSON.stringify(a.Properties?.FunctionName) === JSON.stringify({ Ref: id }),
      );
      expect(aliases, id).toHaveLength(1);
      const [, alias] = aliases[0] ?? [];
      expect(alias?.Condition, id).toBe(fn.Condition);
      expect(alias?.Properties).toEqual({
        FunctionName: { Ref: id },
        FunctionVersion: { 'Fn::GetAtt': [versionId, 'Version'] },
        Name: 'live',
      });
      const update = alias?.UpdatePolicy?.CodeDeployLambdaAliasUpdate as {
        ApplicationName: unknown;
        DeploymentGroupName: { Ref: string };
      };
      expect(update.ApplicationName).toEqual({ Ref: 'CodeDeployApplication' });
      const group = resources[update.DeploymentGroupName.Ref];
      expect(group?.Type).toBe('AWS::CodeDeploy::DeploymentGroup');
      expect(group?.Condition, id).toBe(fn.Condition);
      expect(group?.Properties).toMatchObject({
        ApplicationName: { Ref: 'CodeDeployApplication' },
        ServiceRoleArn: { 'Fn::GetAtt': ['CodeDeployRole', 'Arn'] },
        DeploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
        DeploymentStyle: { DeploymentType: 'BLUE_GREEN', DeploymentOption: 'WITH_TRAFFIC_CONTROL' },
        AutoRollbackConfiguration: {
          Enabled: true,
          Events: expect.arrayContaining(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM']),
        },
        AlarmConfiguration: { Enabled: true },
      });
      // Rolls back on the function's own errors, the API's 5xx and unaudited refusals; each an
      // alarm the stack creates whenever it creates the group.
      const alarms = (group?.Properties?.AlarmConfiguration as { Alarms: Array<{ Name: { Ref: string } }> })
        .Alarms;
      const names = alarms.map((a) => a.Name.Ref);
      expect(names).toEqual(
        expect.arrayContaining([`${id}ErrorsAlarm`, 'Api5xxAlarm', 'AuditWriteFailuresAlarm']),
      );
      for (const name of names) {
        expect(resources[name]?.Type, name).toBe('AWS::CloudWatch::Alarm');
        expect([undefined, fn.Condition], name).toContain(resources[name]?.Condition);
      }
      // Traced, with the two X-Ray writes on the function's own role.
      expect(fn.Properties?.TracingConfig, id).toEqual({ Mode: 'Active' });
      const roleId = (fn.Properties?.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const policies = resources[roleId]?.Properties?.Policies as Array<{
        PolicyName: string;
        PolicyDocument: { Statement: unknown[] };
      }>;
      expect(policies.find((p) => p.PolicyName === 'tracing')?.PolicyDocument.Statement).toEqual([
        { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
      ]);
    }
    // A conditional function's version, alias and group exist exactly when it does.
    for (const stack of deployments(template)) {
      for (const [id] of functions) {
        const base = id.replace(/LambdaFunction$/, '');
        for (const companion of [`${base}LiveAlias`, `${base}DeploymentGroup`])
          expect(stack.creates(companion), companion).toBe(stack.creates(id));
      }
    }
  });

  it('points every invoker (API Gateway, schedules, the stream, Secrets Manager, S3) at an alias, never at $LATEST', async () => {
    const template = await packagedTemplate(variant);
    const functions = byType(template, 'AWS::Lambda::Function').map(([id]) => id);
    const aliases = new Set(byType(template, 'AWS::Lambda::Alias').map(([id]) => id));
    const invokers = Object.entries(template.Resources).filter(([, r]) => INVOKERS.includes(r.Type));
    expect(invokers.length).toBeGreaterThan(10);
    for (const [id, invoker] of invokers) {
      const text = JSON.stringify(invoker.Properties);
      for (const fn of functions)
        expect(text, id).not.toMatch(new RegExp(`"(Ref|Fn::GetAtt)":\\["?${fn}\\b`));
    }
    for (const [id, integration] of byType(template, 'AWS::ApiGatewayV2::Integration')) {
      const target = (integration.Properties?.IntegrationUri as { Ref?: string }).Ref ?? '';
      expect(aliases, id).toContain(target);
    }
    const calledAliases = invokers.flatMap(([, r]) =>
      [...JSON.stringify(r.Properties).matchAll(/"Ref":"(\w+LiveAlias)"/g)].map((m) => m[1]),
    );
    for (const alias of calledAliases) expect(aliases, alias).toContain(alias);
  });

  it('names every role stably (credvend-<stage>-<region>-<function>), within IAM limits', async () => {
    const template = await packagedTemplate(variant);
    const roles = byType(template, 'AWS::IAM::Role');
    const names = roles.map(([id, role]) => {
      const name = role.Properties?.RoleName as { 'Fn::Sub': string };
      expect(name, id).toEqual({
        'Fn::Sub': expect.stringMatching(/^credvend-test-\$\{AWS::Region\}-[a-z]+$/),
      });
      return name['Fn::Sub'];
    });
    expect(new Set(names).size).toBe(names.length);
    expect(roleNameProblems(template, 'us-east-1')).toEqual([]);
    // A stage long enough to push a name past IAM's 64 characters is refused at package time.
    const longStage = structuredClone(template);
    for (const [, role] of byType(longStage, 'AWS::IAM::Role')) {
      const properties = role.Properties ?? {};
      const sub = (properties.RoleName as { 'Fn::Sub': string })['Fn::Sub'];
      properties.RoleName = { 'Fn::Sub': sub.replace('-test-', '-feature-branch-with-a-long-name-') };
    }
    expect(roleNameProblems(longStage, 'ap-southeast-2').join('\n')).toMatch(
      /RevocationsRole: role name "credvend-feature-branch-with-a-long-name-ap-southeast-2-revocations" is longer than 64/,
    );
    const unnamed = structuredClone(template);
    const vend = unnamed.Resources.VendRole?.Properties;
    if (vend) delete vend.RoleName;
    expect(roleNameProblems(unnamed, 'us-east-1')).toEqual([
      'VendRole: RoleName is not a stable name (credvend-<stage>-<region>-<function>)',
    ]);
    // CodeDeploy's role: trusted by CodeDeploy alone, with AWS's least-privilege Lambda policy.
    const codedeploy = template.Resources.CodeDeployRole?.Properties ?? {};
    expect(codedeploy.AssumeRolePolicyDocument).toMatchObject({
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'codedeploy.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    });
    expect(codedeploy.ManagedPolicyArns).toEqual([
      { 'Fn::Sub': `arn:\${AWS::Partition}:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited` },
    ]);
  });
});
