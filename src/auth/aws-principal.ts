import { awsIdentityKey, type IdentityRules, NO_FEDERATION } from '../domain/identity/principal-names.js';
import type { Caller } from '../domain/shared/types.js';
import { awsPrincipalSubject } from '../domain/subjects/subjects.js';

const ASSUMED_ROLE = /^arn:(aws[\w-]*):sts::(\d{12}):assumed-role\/([\w+=,.@-]{1,64})\/([\w+=,.@-]{2,64})$/;
const IAM_USER = /^arn:(aws[\w-]*):iam::(\d{12}):user\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
const ROOT = /^arn:(aws[\w-]*):iam::(\d{12}):root$/;

/**
 * The caller for an ARN that STS itself returned from GetCallerIdentity.
 *
 * Entitlement subjects match, most specific first: the exact principal ARN, then (for an
 * assumed role) the role ARN, any session, then the account root. An assumed-role ARN
 * carries no IAM path, so role subjects are written path-less:
 * `arn:aws:iam::<account>:role/<name>`. The session name is the caller's own choice: it
 * is kept for audit only and never becomes the identity, the display name or a quota,
 * unless `rules` name the role a federated session role (see principal-names.ts).
 */
export function callerFromAwsArn(arn: string, rules: IdentityRules = NO_FEDERATION): Caller | undefined {
  const assumed = ASSUMED_ROLE.exec(arn);
  if (assumed) {
    const [, partition = '', account = '', role = '', session = ''] = assumed;
    const roleSubject = awsPrincipalSubject(`arn:${partition}:iam::${account}:role/${role}`);
    // Whoever may assume the role chooses the session name, so the role is the identity,
    // unless a trusted federation names the sessions.
    const identityKey = awsIdentityKey(arn, rules);
    return {
      principal: arn,
      authMethod: 'aws-sigv4',
      identityKey,
      subjectKeys: [
        awsPrincipalSubject(arn),
        roleSubject,
        awsPrincipalSubject(`arn:${partition}:iam::${account}:root`),
      ],
      displayName: identityKey === roleSubject ? role : `${role}/${session}`,
      claims: {},
      awsSessionName: session,
    };
  }
  const user = IAM_USER.exec(arn);
  if (user) {
    const [, partition = '', account = '', name = ''] = user;
    return {
      principal: arn,
      authMethod: 'aws-sigv4',
      identityKey: awsPrincipalSubject(arn),
      subjectKeys: [awsPrincipalSubject(arn), awsPrincipalSubject(`arn:${partition}:iam::${account}:root`)],
      displayName: name,
      claims: {},
    };
  }
  const root = ROOT.exec(arn);
  if (root) {
    return {
      principal: arn,
      authMethod: 'aws-sigv4',
      identityKey: awsPrincipalSubject(arn),
      subjectKeys: [awsPrincipalSubject(arn)],
      displayName: `root-${root[2]}`,
      claims: {},
    };
  }
  return undefined;
}
