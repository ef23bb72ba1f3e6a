import type { PolicySource } from './policy-store.js';
import type { CredentialRegistry, Principal, SessionPrincipal } from './principals.js';
import type { RefusalKind } from './refusal.js';
import { queryList } from './wire.js';

/** STS's own limits on an AssumeRole, checked before it is judged or forwarded. */
const CHAINED_MAX_SECONDS = 3600;
const SOURCE_IDENTITY = /^[\w+=,.@-]{2,64}$/;

const roleName = (roleArn: string) => roleArn.slice(roleArn.lastIndexOf('/') + 1);
const roleAccount = (roleArn: string) => /^arn:aws[\w-]*:iam::(\d{12}):role\//.exec(roleArn)?.[1];

/**
 * Refuses what STS refuses before any policy is read: a duration past the role's
 * MaxSessionDuration or, for a role session assuming a role, past one hour (role chaining);
 * a SourceIdentity STS would not accept, or one that differs from the caller's own.
 */
export async function assumeRoleProblem(
  store: PolicySource,
  caller: Principal,
  params: Record<string, string>,
): Promise<RefusalKind | undefined> {
  const roleArn = params.RoleArn ?? '';
  const account = roleAccount(roleArn);
  const duration = Number(params.DurationSeconds ?? 3600);
  const role = account ? await store.role(account, roleName(roleArn)) : undefined;
  if (caller.kind === 'session' && duration > CHAINED_MAX_SECONDS)
    return {
      code: 'ValidationError',
      message:
        'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
    };
  if (role && duration > role.maxSessionDuration)
    return {
      code: 'ValidationError',
      message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    };
  const sourceIdentity = params.SourceIdentity;
  if (
    sourceIdentity !== undefined &&
    (!SOURCE_IDENTITY.test(sourceIdentity) || sourceIdentity.startsWith('aws:'))
  )
    return {
      code: 'ValidationError',
      message: `1 validation error detected: Value at 'sourceIdentity' failed to satisfy constraint`,
    };
  if (
    caller.kind === 'session' &&
    caller.sourceIdentity &&
    sourceIdentity &&
    sourceIdentity !== caller.sourceIdentity
  )
    return {
      code: 'AccessDenied',
      message: 'SourceIdentity cannot be changed once set on a role session chain.',
    };
  return undefined;
}

function element(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
}

function parseInlinePolicy(text: string | undefined): object | undefined {
  if (!text) return undefined;
  const parsed: unknown = JSON.parse(text);
  return parsed && typeof parsed === 'object' ? parsed : undefined;
}

/**
 * Records the session an AssumeRole the gate allowed has created: its tags (with the
 * caller's transitive ones), SourceIdentity (the caller's, if it had one), session
 * policies, issue time and expiry, so later requests signed with its key are judged by them.
 */
export function recordSession(
  registry: CredentialRegistry,
  caller: Principal,
  params: Record<string, string>,
  responseXml: string,
  now: Date,
): void {
  const accessKeyId = element(responseXml, 'AccessKeyId');
  const secretAccessKey = element(responseXml, 'SecretAccessKey');
  const sessionToken = element(responseXml, 'SessionToken');
  const arn = element(responseXml, 'Arn');
  const expiration = element(responseXml, 'Expiration');
  const roleArn = params.RoleArn ?? '';
  if (!accessKeyId || !secretAccessKey || !sessionToken || !arn) return;
  const inherited = caller.kind === 'session' ? caller : undefined;
  const tags: Record<string, string> = {};
  for (const key of inherited?.transitiveTagKeys ?? []) {
    const value = inherited?.tags[key];
    if (value !== undefined) tags[key] = value;
  }
  const keys = queryList(params, 'Tags', 'Key');
  const values = queryList(params, 'Tags', 'Value');
  keys.forEach((key, n) => {
    tags[key] = values[n] ?? '';
  });
  const sourceIdentity = inherited?.sourceIdentity ?? params.SourceIdentity;
  const inlinePolicy = parseInlinePolicy(params.Policy);
  const session: SessionPrincipal = {
    kind: 'session',
    account: roleAccount(roleArn) ?? '',
    arn,
    roleArn,
    roleName: roleName(roleArn),
    sessionName: params.RoleSessionName ?? '',
    tags,
    transitiveTagKeys: [...(inherited?.transitiveTagKeys ?? []), ...queryList(params, 'TransitiveTagKeys')],
    ...(sourceIdentity !== undefined ? { sourceIdentity } : {}),
    ...(inlinePolicy ? { inlinePolicy } : {}),
    policyArns: queryList(params, 'PolicyArns', 'arn'),
    issuedAt: now,
    expiresAt: expiration
      ? new Date(expiration)
      : new Date(now.getTime() + Number(params.DurationSeconds ?? 3600) * 1000),
    chained: caller.kind === 'session',
    sessionToken,
  };
  registry.add(accessKeyId, { secretAccessKey, principal: session, active: true });
}

/** Records an IAM user's new key (CreateAccessKey), so requests it signs are that user's. */
export function recordAccessKey(registry: CredentialRegistry, account: string, responseXml: string): void {
  const accessKeyId = element(responseXml, 'AccessKeyId');
  const secretAccessKey = element(responseXml, 'SecretAccessKey');
  const userName = element(responseXml, 'UserName');
  if (!accessKeyId || !secretAccessKey || !userName) return;
  registry.add(accessKeyId, {
    secretAccessKey,
    principal: { kind: 'user', account, arn: `arn:aws:iam::${account}:user/${userName}`, userName },
    active: true,
  });
}
