import type * as z from 'zod';
import type { EntitlementInput } from '../domain/admin/entitlement-admin.js';
import { parsePolicyDocument } from '../domain/policy/policy.js';
import { checkPolicyShape } from '../domain/policy/shape.js';
import type { Entitlement } from '../domain/shared/types.js';
import {
  awsPrincipalSubject,
  claimRuleSubject,
  groupSubject,
  oidcSubject,
} from '../domain/subjects/subjects.js';
import { type AdminEntitlementWire, entitlementInputWire, type SubjectWire } from '../wire/entitlements.js';
import { parseJsonBody } from './json-body.js';

function subjectOf(subject: SubjectWire): Pick<EntitlementInput, 'subject' | 'claimConditions'> {
  if ('oidc' in subject) return { subject: oidcSubject(subject.oidc.issuer, subject.oidc.sub) };
  if ('aws' in subject) return { subject: awsPrincipalSubject(subject.aws) };
  if ('group' in subject) return { subject: groupSubject(subject.group.issuer, subject.group.name) };
  return { subject: claimRuleSubject(subject.claims.issuer), claimConditions: subject.claims.conditions };
}

/** Untrusted PUT body → an entitlement to validate further in the domain. */
export function parseEntitlementBody(id: string, text: string): EntitlementInput {
  return entitlementInputOf(id, parseJsonBody(entitlementInputWire, text, 'entitlement'));
}

/**
 * A parsed PUT body → the entitlement it writes (the server's rule, which `credvend access`
 * applies to files too, so a plan compares what the server would store).
 */
export function entitlementInputOf(id: string, b: z.output<typeof entitlementInputWire>): EntitlementInput {
  const input: EntitlementInput = {
    id,
    ...subjectOf(b.subject),
    accountId: b.accountId,
    roleArn: b.roleArn,
    maxDurationSeconds: b.maxDurationSeconds,
    managedPolicyArns: b.managedPolicyArns,
    tags: b.tags,
    claimTags: b.claimTags,
    transitiveTagKeys: b.transitiveTagKeys,
    reasonRequired: b.reasonRequired,
    ...(b.endWithToken ? { endWithToken: true } : {}),
    effect: b.effect,
  };
  if (b.defaultDurationSeconds !== undefined) input.defaultDurationSeconds = b.defaultDurationSeconds;
  if (b.sessionPolicy !== undefined) {
    checkPolicyShape(b.sessionPolicy, 'sessionPolicy');
    input.sessionPolicy = parsePolicyDocument(b.sessionPolicy);
  }
  if (b.externalId !== undefined) input.externalId = b.externalId;
  if (b.notBefore !== undefined) input.notBefore = new Date(b.notBefore);
  if (b.notAfter !== undefined) input.notAfter = new Date(b.notAfter);
  if (b.description !== undefined) input.description = b.description;
  return input;
}

/** The admin view read back → the stored entitlement (a subject of unknown kind keeps its raw key). */
export function entitlementOfAdminWire(w: AdminEntitlementWire): Entitlement {
  const subject = typeof w.subject === 'string' ? { subject: w.subject } : subjectOf(w.subject);
  const e: Entitlement = {
    id: w.id,
    ...subject,
    accountId: w.accountId,
    roleArn: w.roleArn,
    maxDurationSeconds: w.maxDurationSeconds,
    managedPolicyArns: w.managedPolicyArns,
    tags: w.tags,
    claimTags: w.claimTags,
    transitiveTagKeys: w.transitiveTagKeys,
    reasonRequired: w.reasonRequired,
    ...(w.endWithToken ? { endWithToken: true } : {}),
    effect: w.effect,
    version: w.version,
  };
  if (w.defaultDurationSeconds !== undefined) e.defaultDurationSeconds = w.defaultDurationSeconds;
  if (w.sessionPolicy !== undefined) e.sessionPolicy = parsePolicyDocument(w.sessionPolicy);
  if (w.externalId !== undefined) e.externalId = w.externalId;
  if (w.notBefore !== undefined) e.notBefore = new Date(w.notBefore);
  if (w.notAfter !== undefined) e.notAfter = new Date(w.notAfter);
  if (w.description !== undefined) e.description = w.description;
  return e;
}

/** A stored subject key as the body that would write it; an unknown kind as its raw key. */
export function toSubjectWire(
  e: Pick<Entitlement, 'subject' | 'claimConditions'>,
): AdminEntitlementWire['subject'] {
  const [kind, issuer = '', ...rest] = e.subject.split('|');
  switch (kind) {
    case 'oidc':
      return { oidc: { issuer, sub: rest.join('|') } };
    case 'aws':
      return { aws: [issuer, ...rest].join('|') };
    case 'group':
      return { group: { issuer, name: rest.join('|') } };
    case 'claims':
      return { claims: { issuer, conditions: { ...e.claimConditions } } };
    default:
      return e.subject;
  }
}

/** The admin view of an entitlement: everything, including the ExternalId an admin set. */
export function toAdminWire(e: Entitlement): AdminEntitlementWire {
  return {
    id: e.id,
    subject: toSubjectWire(e),
    accountId: e.accountId,
    roleArn: e.roleArn,
    maxDurationSeconds: e.maxDurationSeconds,
    defaultDurationSeconds: e.defaultDurationSeconds,
    sessionPolicy: e.sessionPolicy,
    managedPolicyArns: [...e.managedPolicyArns],
    tags: { ...e.tags },
    claimTags: { ...e.claimTags },
    transitiveTagKeys: [...e.transitiveTagKeys],
    externalId: e.externalId,
    notBefore: e.notBefore?.toISOString(),
    notAfter: e.notAfter?.toISOString(),
    reasonRequired: e.reasonRequired,
    endWithToken: e.endWithToken,
    effect: e.effect,
    description: e.description,
    version: e.version,
  };
}
