import {
  AddUserToGroupCommand,
  AttachRolePolicyCommand,
  CreateGroupCommand,
  CreateRoleCommand,
  CreateUserCommand,
  type IAMClient,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import type { CloudFormationTemplate, DeployedTemplate } from './resolve.js';

interface InlinePolicy {
  PolicyName: string;
  PolicyDocument: unknown;
}

const IAM_TYPES = ['AWS::IAM::Group', 'AWS::IAM::Role', 'AWS::IAM::User'];

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value))
    : {};
}

function inlinePolicies(properties: Record<string, unknown>): InlinePolicy[] {
  const list = Array.isArray(properties.Policies) ? properties.Policies : [];
  return list.map((entry) => {
    const policy = record(entry);
    return { PolicyName: String(policy.PolicyName), PolicyDocument: policy.PolicyDocument };
  });
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

/** Whether a role's trust policy lets `service` (e.g. lambda.amazonaws.com) assume it. */
export function trustsService(properties: Record<string, unknown>, service: string): boolean {
  return JSON.stringify(properties.AssumeRolePolicyDocument ?? {}).includes(JSON.stringify(service));
}

/**
 * Creates, through the IAM API, the groups, roles and users a CloudFormation deployment of
 * `template` creates, with exactly the template's trust policies, inline and managed
 * policies, boundaries and session limits: the local accounts hold what deploys, no copy.
 * Groups first, so a user can join them. Returns each created resource's name by logical id.
 */
export async function createStackIam(
  iam: IAMClient,
  template: CloudFormationTemplate,
  stack: DeployedTemplate,
  /** Which groups, roles and users to create, by logical id, type and resolved properties (default: all). */
  wanted: (resource: { id: string; type: string; properties: Record<string, unknown> }) => boolean = () =>
    true,
): Promise<Record<string, string>> {
  const names: Record<string, string> = {};
  const ids = Object.keys(template.Resources)
    .filter((id) => IAM_TYPES.includes(template.Resources[id]?.Type ?? '') && stack.creates(id))
    .sort(
      (a, b) =>
        IAM_TYPES.indexOf(template.Resources[a]?.Type ?? '') -
        IAM_TYPES.indexOf(template.Resources[b]?.Type ?? ''),
    );
  for (const id of ids) {
    const type = template.Resources[id]?.Type ?? '';
    const properties = record(stack.resolve(template.Resources[id]?.Properties ?? {}));
    if (!wanted({ id, type, properties })) continue;
    const name = String(stack.ref(id));
    names[id] = name;
    if (type === 'AWS::IAM::Group') await createGroup(iam, name, properties);
    if (type === 'AWS::IAM::Role') await createRole(iam, name, properties);
    if (type === 'AWS::IAM::User') await createUser(iam, name, properties);
  }
  return names;
}

async function createGroup(iam: IAMClient, name: string, properties: Record<string, unknown>) {
  await iam.send(new CreateGroupCommand({ GroupName: name }));
  for (const policy of inlinePolicies(properties))
    await iam.send(
      new PutGroupPolicyCommand({
        GroupName: name,
        PolicyName: policy.PolicyName,
        PolicyDocument: JSON.stringify(policy.PolicyDocument),
      }),
    );
}

async function createRole(iam: IAMClient, name: string, properties: Record<string, unknown>) {
  const boundary = properties.PermissionsBoundary;
  await iam.send(
    new CreateRoleCommand({
      RoleName: name,
      AssumeRolePolicyDocument: JSON.stringify(properties.AssumeRolePolicyDocument),
      ...(properties.MaxSessionDuration !== undefined
        ? { MaxSessionDuration: Number(properties.MaxSessionDuration) }
        : {}),
      ...(typeof boundary === 'string' ? { PermissionsBoundary: boundary } : {}),
    }),
  );
  for (const policy of inlinePolicies(properties))
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: name,
        PolicyName: policy.PolicyName,
        PolicyDocument: JSON.stringify(policy.PolicyDocument),
      }),
    );
  for (const arn of strings(properties.ManagedPolicyArns))
    await iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: arn }));
}

async function createUser(iam: IAMClient, name: string, properties: Record<string, unknown>) {
  await iam.send(new CreateUserCommand({ UserName: name }));
  for (const group of strings(properties.Groups))
    await iam.send(new AddUserToGroupCommand({ GroupName: group, UserName: name }));
}
