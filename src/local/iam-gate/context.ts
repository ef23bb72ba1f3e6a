import { type Principal, principalArn } from './principals.js';

/**
 * Where the stack's accounts sit: aws:PrincipalOrgID/aws:ResourceOrgID for the accounts
 * inside it, and aws:PrincipalOrgPaths/aws:ResourceOrgPaths (`o-…/r-…/ou-…/`) for those
 * given a path.
 */
export interface Organization {
  id: string;
  accounts: readonly string[];
  paths?: Readonly<Record<string, readonly string[]>>;
}

/**
 * The request context AWS builds for every request of `principal`: global condition keys
 * that policies may test. TLS is taken as on: on AWS the SDKs only speak HTTPS, locally the
 * gate listens on plain HTTP, and a TLS-only bucket policy must judge what AWS would.
 */
export function globalContext(input: {
  principal: Principal;
  region: string;
  resourceAccount: string;
  organization?: Organization;
  now: Date;
}): Record<string, string | string[]> {
  const { principal, organization, now } = input;
  const context: Record<string, string | string[]> = {
    'aws:CurrentTime': now.toISOString(),
    'aws:EpochTime': String(Math.floor(now.getTime() / 1000)),
    'aws:SecureTransport': 'true',
    'aws:RequestedRegion': input.region,
    'aws:ResourceAccount': input.resourceAccount,
    'aws:ViaAWSService': 'false',
    'aws:PrincipalIsAWSService': principal.kind === 'service' ? 'true' : 'false',
  };
  if (organization?.accounts.includes(input.resourceAccount)) {
    context['aws:ResourceOrgID'] = organization.id;
    const paths = organization.paths?.[input.resourceAccount];
    if (paths) context['aws:ResourceOrgPaths'] = [...paths];
  }
  if (principal.kind === 'service') {
    context['aws:PrincipalServiceName'] = principal.service;
    return context;
  }
  context['aws:PrincipalAccount'] = principal.account;
  if (organization?.accounts.includes(principal.account)) {
    context['aws:PrincipalOrgID'] = organization.id;
    const paths = organization.paths?.[principal.account];
    if (paths) context['aws:PrincipalOrgPaths'] = [...paths];
  }
  if (principal.kind === 'root') {
    context['aws:PrincipalArn'] = principalArn(principal);
    context['aws:PrincipalType'] = 'Account';
    return context;
  }
  if (principal.kind === 'user') {
    context['aws:PrincipalArn'] = principal.arn;
    context['aws:PrincipalType'] = 'User';
    context['aws:username'] = principal.userName;
    return context;
  }
  // A role session: aws:PrincipalArn is the role's ARN, not the session's.
  context['aws:PrincipalArn'] = principal.roleArn;
  context['aws:PrincipalType'] = 'AssumedRole';
  context['aws:userid'] = `ROLEID:${principal.sessionName}`;
  context['aws:TokenIssueTime'] = principal.issuedAt.toISOString();
  if (principal.sourceIdentity !== undefined) context['aws:SourceIdentity'] = principal.sourceIdentity;
  for (const [key, value] of Object.entries(principal.tags)) context[`aws:PrincipalTag/${key}`] = value;
  return context;
}
