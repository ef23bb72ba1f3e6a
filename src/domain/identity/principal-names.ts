import { awsPrincipalSubject, oidcSubject } from '../subjects/subjects.js';

/**
 * One rule for naming people: the identity key authentication derives for a caller, and the
 * identity key a configured name (an admin, an approver, a Slack mapping) stands for, come
 * from the functions in this file, so a comparison of people is always key against key.
 *
 * An assumed-role session ARN names whoever picked that session name, so it is refused
 * in lists, and the role is the identity, unless the role is a *federated session role*:
 * one whose session names a trusted federation sets (IAM Identity Center's
 * `AWSReservedSSO_*` roles set the user name). For those the identity is role + session
 * name everywhere, and the bare role is refused in lists (it would mean everyone).
 */
export interface IdentityRules {
  /** Path-less role ARNs whose session names a trusted federation sets; a name may end in `*`. */
  federatedSessionRoles: readonly string[];
}

export const NO_FEDERATION: IdentityRules = { federatedSessionRoles: [] };

const ASSUMED_ROLE = /^arn:(aws[\w-]*):sts::(\d{12}):assumed-role\/([\w+=,.@-]{1,64})\/([\w+=,.@-]{2,64})$/;
const ROLE = /^arn:(aws[\w-]*):iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
const USER = /^arn:(aws[\w-]*):iam::(\d{12}):user\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
const ROOT = /^arn:(aws[\w-]*):iam::\d{12}:root$/;
const FEDERATED_PATTERN = /^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@-]{1,64}\*?$/;
const OIDC_NAME = /^(https?:\/\/[^#|\s]+)#(.+)$/;

/** Whether `pattern` is a valid entry of IdentityRules.federatedSessionRoles. */
export function isFederatedRolePattern(pattern: string): boolean {
  return FEDERATED_PATTERN.test(pattern);
}

/** Whether sessions of this path-less role ARN are named by a trusted federation. */
export function isFederatedSessionRole(roleArn: string, rules: IdentityRules): boolean {
  return rules.federatedSessionRoles.some((pattern) =>
    pattern.endsWith('*') ? roleArn.startsWith(pattern.slice(0, -1)) : roleArn === pattern,
  );
}

/**
 * The identity key of an AWS principal ARN as STS returned it: the role for an assumed-role
 * session (role + session name for a federated session role), else the user or the root.
 */
export function awsIdentityKey(arn: string, rules: IdentityRules): string {
  const assumed = ASSUMED_ROLE.exec(arn);
  if (!assumed) return awsPrincipalSubject(arn);
  const [, partition = '', account = '', role = ''] = assumed;
  const roleArn = `arn:${partition}:iam::${account}:role/${role}`;
  return awsPrincipalSubject(isFederatedSessionRole(roleArn, rules) ? arn : roleArn);
}

export type ListedIdentity = { key: string } | { problem: string };

/**
 * The identity key a name in a list of people stands for: `<issuer>#<sub>`, an IAM role
 * ARN (any path; an assumed-role session carries none), an IAM user ARN, an account root,
 * or the session ARN of a federated session role. Anything else is a problem to refuse at
 * write time, with the rule in its message.
 */
export function identityOfListed(name: string, rules: IdentityRules): ListedIdentity {
  const oidc = OIDC_NAME.exec(name);
  if (oidc) return { key: oidcSubject(oidc[1] ?? '', oidc[2] ?? '') };
  const assumed = ASSUMED_ROLE.exec(name);
  if (assumed) {
    const [, partition = '', account = '', role = ''] = assumed;
    const roleArn = `arn:${partition}:iam::${account}:role/${role}`;
    if (isFederatedSessionRole(roleArn, rules)) return { key: awsPrincipalSubject(name) };
    return {
      problem: `${name} is a session ARN: its session name is chosen by whoever assumes the role, so list the role ${roleArn}`,
    };
  }
  const role = ROLE.exec(name);
  if (role) {
    const [, partition = '', account = '', roleName = ''] = role;
    const roleArn = `arn:${partition}:iam::${account}:role/${roleName}`;
    if (isFederatedSessionRole(roleArn, rules)) {
      return {
        problem: `${name} is a federated session role (each session is one person): list its sessions, arn:${partition}:sts::${account}:assumed-role/${roleName}/<session name>`,
      };
    }
    return { key: awsPrincipalSubject(roleArn) };
  }
  if (USER.test(name) || ROOT.test(name)) return { key: awsPrincipalSubject(name) };
  return {
    problem: `${name} names nobody: use <issuer>#<sub>, an IAM role, user or root ARN`,
  };
}

/** The identity keys of a list of names; the problems of every name that names nobody. */
export function identitiesOfListed(
  names: readonly string[],
  rules: IdentityRules,
): { keys: string[]; problems: string[] } {
  const keys: string[] = [];
  const problems: string[] = [];
  for (const name of names) {
    const listed = identityOfListed(name, rules);
    if ('key' in listed) keys.push(listed.key);
    else problems.push(listed.problem);
  }
  return { keys, problems };
}
