import { type Authorisation, type OperationScope, UnmappedOperation } from './authorisation.js';
import { queryList } from './wire.js';

type Params = Record<string, string>;
type QueryMapper = (params: Params, scope: OperationScope) => Promise<Authorisation[]> | Authorisation[];

const roleAccount = (roleArn: string) => /^arn:aws[\w-]*:iam::(\d{12}):role\//.exec(roleArn)?.[1];

/** The condition keys of an AssumeRole request, as STS puts them in the request context. */
export function assumeRoleContext(params: Params): Record<string, string | string[]> {
  const keys = queryList(params, 'Tags', 'Key');
  const values = queryList(params, 'Tags', 'Value');
  const context: Record<string, string | string[]> = {};
  keys.forEach((key, n) => {
    context[`aws:RequestTag/${key}`] = values[n] ?? '';
  });
  if (keys.length > 0) context['aws:TagKeys'] = keys;
  const transitive = queryList(params, 'TransitiveTagKeys');
  if (transitive.length > 0) context['sts:TransitiveTagKeys'] = transitive;
  if (params.ExternalId !== undefined) context['sts:ExternalId'] = params.ExternalId;
  if (params.SourceIdentity !== undefined) context['sts:SourceIdentity'] = params.SourceIdentity;
  if (params.RoleSessionName !== undefined) context['sts:RoleSessionName'] = params.RoleSessionName;
  return context;
}

/**
 * AssumeRole needs sts:AssumeRole, and sts:TagSession when it passes tags and
 * sts:SetSourceIdentity when it sets a SourceIdentity, each allowed by the caller's policies
 * and the role's trust policy.
 */
const assumeRole: QueryMapper = (params) => {
  const resource = params.RoleArn ?? '';
  const context = assumeRoleContext(params);
  const resourceAccount = roleAccount(resource);
  const base = { resource, context, ...(resourceAccount ? { resourceAccount } : {}) };
  return [
    { action: 'sts:AssumeRole', ...base },
    ...(context['aws:TagKeys'] ? [{ action: 'sts:TagSession', ...base }] : []),
    ...(params.SourceIdentity !== undefined ? [{ action: 'sts:SetSourceIdentity', ...base }] : []),
  ];
};

const iamArn = (scope: OperationScope, kind: string, name: string) =>
  `arn:aws:iam::${scope.account}:${kind}/${name}`;

function onUser(action: string): QueryMapper {
  return (params, scope) => [
    { action: `iam:${action}`, resource: iamArn(scope, 'user', params.UserName ?? scope.userName ?? '') },
  ];
}

function onRole(action: string): QueryMapper {
  return (params, scope) => [
    { action: `iam:${action}`, resource: iamArn(scope, 'role', params.RoleName ?? '') },
  ];
}

function onGroup(action: string): QueryMapper {
  return (params, scope) => [
    { action: `iam:${action}`, resource: iamArn(scope, 'group', params.GroupName ?? '') },
  ];
}

function onPolicy(action: string): QueryMapper {
  return (params) => [{ action: `iam:${action}`, resource: params.PolicyArn ?? '' }];
}

/** Attaching a policy to a role: IAM's iam:PolicyARN and iam:PermissionsBoundary (the role's) keys. */
const attachRolePolicy: QueryMapper = async (params, scope) => {
  const roleName = params.RoleName ?? '';
  const boundary = await scope.lookups.roleBoundary(scope.account, roleName);
  return [
    {
      action: 'iam:AttachRolePolicy',
      resource: iamArn(scope, 'role', roleName),
      context: {
        'iam:PolicyARN': params.PolicyArn ?? '',
        ...(boundary ? { 'iam:PermissionsBoundary': boundary } : {}),
      },
    },
  ];
};

const IAM: Record<string, QueryMapper> = {
  ...Object.fromEntries(
    [
      'CreateUser',
      'GetUser',
      'DeleteUser',
      'ListAccessKeys',
      'CreateAccessKey',
      'UpdateAccessKey',
      'DeleteAccessKey',
      'PutUserPolicy',
      'GetUserPolicy',
      'ListUserPolicies',
      'AttachUserPolicy',
      'ListAttachedUserPolicies',
      'ListGroupsForUser',
      'PutUserPermissionsBoundary',
    ].map((op) => [op, onUser(op)]),
  ),
  ...Object.fromEntries(
    [
      'CreateRole',
      'GetRole',
      'DeleteRole',
      'PutRolePolicy',
      'GetRolePolicy',
      'ListRolePolicies',
      'ListAttachedRolePolicies',
      'DetachRolePolicy',
      'PutRolePermissionsBoundary',
      'DeleteRolePermissionsBoundary',
      'UpdateAssumeRolePolicy',
    ].map((op) => [op, onRole(op)]),
  ),
  AttachRolePolicy: attachRolePolicy,
  ...Object.fromEntries(
    ['CreateGroup', 'PutGroupPolicy', 'GetGroupPolicy', 'ListGroupPolicies', 'AttachGroupPolicy'].map(
      (op) => [op, onGroup(op)],
    ),
  ),
  // Adding a user to a group is an action on the group.
  AddUserToGroup: onGroup('AddUserToGroup'),
  ...Object.fromEntries(
    [
      'GetPolicy',
      'GetPolicyVersion',
      'ListPolicyVersions',
      'CreatePolicyVersion',
      'DeletePolicyVersion',
      'SetDefaultPolicyVersion',
      'DeletePolicy',
    ].map((op) => [op, onPolicy(op)]),
  ),
  CreatePolicy: (params, scope) => [
    {
      action: 'iam:CreatePolicy',
      resource: `arn:aws:iam::${scope.account}:policy${params.Path ?? '/'}${params.PolicyName ?? ''}`,
    },
  ],
  ListUsers: (_params, scope) => [{ action: 'iam:ListUsers', resource: iamArn(scope, 'user', '*') }],
  ListRoles: (_params, scope) => [{ action: 'iam:ListRoles', resource: iamArn(scope, 'role', '*') }],
  ListPolicies: (_params, scope) => [{ action: 'iam:ListPolicies', resource: iamArn(scope, 'policy', '*') }],
};

const STS: Record<string, QueryMapper> = {
  AssumeRole: assumeRole,
  // Needs no permission: AWS answers it even when every policy denies.
  GetCallerIdentity: () => [],
};

const topicArn = (scope: OperationScope, name: string) =>
  `arn:aws:sns:${scope.region}:${scope.account}:${name}`;

/** SNS: the notice sink publishes; tests create a topic and subscribe a queue to it. */
const SNS: Record<string, QueryMapper> = {
  CreateTopic: (params, scope) => [
    { action: 'sns:CreateTopic', resource: topicArn(scope, params.Name ?? '') },
  ],
  Subscribe: (params) => [{ action: 'sns:Subscribe', resource: params.TopicArn ?? '' }],
  Publish: (params) => [{ action: 'sns:Publish', resource: params.TopicArn ?? params.TargetArn ?? '' }],
};

const QUERY_SERVICES: Record<string, Record<string, QueryMapper>> = { sts: STS, iam: IAM, sns: SNS };

export async function queryAuthorisations(
  wire: { service: string; operation: string; params: Params },
  scope: OperationScope,
): Promise<Authorisation[]> {
  const mapper = QUERY_SERVICES[wire.service]?.[wire.operation];
  if (!mapper) throw new UnmappedOperation(`${wire.service}:${wire.operation}`);
  return mapper(wire.params, scope);
}
