import { z } from 'zod';
import type { EntitlementInput } from '../domain/entitlement-admin.js';
import { InvalidRequestError } from '../domain/errors.js';
import { parsePolicyDocument } from '../domain/policy.js';
import { checkPolicyShape } from '../domain/policy-shape.js';
import {
  awsPrincipalSubject,
  claimRuleSubject,
  groupSubject,
  oidcSubject,
  SUBJECT_DELIMITER,
} from '../domain/subjects.js';
import type { Entitlement } from '../domain/types.js';
import { invalidRequest } from '../domain/validation.js';

export const ENTITLEMENT_ID = /^[\w.:@+=-]{1,128}$/;

const isoTime = z.iso.datetime({ offset: true });
const stringMap = z.record(z.string().max(128), z.string().max(256));

const issuerUrl = z
  .url()
  .max(512)
  .refine((issuer) => !/[|#]/.test(issuer), 'an issuer must not contain | or #');

const subjectSchema = z.union([
  z.object({ group: z.object({ issuer: issuerUrl, name: z.string().min(1).max(256) }).strict() }).strict(),
  z
    .object({
      claims: z
        .object({
          issuer: issuerUrl,
          // Strings only: a rule compares claim values as text; validated further in the domain.
          conditions: z.record(z.string().max(64), z.string().max(256)),
        })
        .strict(),
    })
    .strict(),
  z
    .object({
      oidc: z
        .object({
          issuer: z
            .url()
            .max(512)
            .refine((issuer) => !issuer.includes(SUBJECT_DELIMITER), 'an issuer must not contain "|"'),
          sub: z.string().min(1).max(512),
        })
        .strict(),
    })
    .strict(),
  z
    .object({
      aws: z
        .string()
        .regex(
          /^arn:aws[\w-]*:(iam|sts)::\d{12}:[\w+=,.@/-]+$/,
          'an IAM principal ARN (user, role or account root)',
        )
        .max(2048),
    })
    .strict(),
]);

const entitlementBody = z
  .object({
    subject: subjectSchema,
    accountId: z.string(),
    roleArn: z.string().max(2048),
    maxDurationSeconds: z.number().int(),
    defaultDurationSeconds: z.number().int().optional(),
    sessionPolicy: z.unknown().optional(),
    managedPolicyArns: z.array(z.string().max(2048)).max(20).default([]),
    tags: stringMap.default({}),
    claimTags: stringMap.default({}),
    transitiveTagKeys: z.array(z.string().max(128)).max(50).default([]),
    externalId: z.string().max(1224).optional(),
    notBefore: isoTime.optional(),
    notAfter: isoTime.optional(),
    reasonRequired: z.boolean().default(false),
    endWithToken: z.boolean().optional(),
    effect: z.enum(['allow', 'deny']).default('allow'),
    description: z.string().max(1024).optional(),
  })
  .strict();

function subjectOf(
  subject: z.infer<typeof subjectSchema>,
): Pick<EntitlementInput, 'subject' | 'claimConditions'> {
  if ('oidc' in subject) return { subject: oidcSubject(subject.oidc.issuer, subject.oidc.sub) };
  if ('aws' in subject) return { subject: awsPrincipalSubject(subject.aws) };
  if ('group' in subject) return { subject: groupSubject(subject.group.issuer, subject.group.name) };
  return { subject: claimRuleSubject(subject.claims.issuer), claimConditions: subject.claims.conditions };
}

/** Untrusted PUT body → an entitlement to validate further in the domain. */
export function parseEntitlementBody(id: string, text: string): EntitlementInput {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidRequestError('the body is not valid JSON');
  }
  const result = entitlementBody.safeParse(json);
  if (!result.success) {
    throw invalidRequest('the body does not match the entitlement schema', result.error);
  }
  const b = result.data;
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

/** The admin view of an entitlement: everything, including the ExternalId an admin set. */
export function toSubjectWire(e: Pick<Entitlement, 'subject' | 'claimConditions'>): unknown {
  const [kind, ...rest] = e.subject.split('|');
  switch (kind) {
    case 'oidc':
      return { oidc: { issuer: rest[0], sub: rest.slice(1).join('|') } };
    case 'aws':
      return { aws: rest.join('|') };
    case 'group':
      return { group: { issuer: rest[0], name: rest.slice(1).join('|') } };
    case 'claims':
      return { claims: { issuer: rest[0], conditions: e.claimConditions ?? {} } };
    default:
      return e.subject;
  }
}

export function toAdminWire(e: Entitlement): Record<string, unknown> {
  return {
    id: e.id,
    subject: toSubjectWire(e),
    accountId: e.accountId,
    roleArn: e.roleArn,
    maxDurationSeconds: e.maxDurationSeconds,
    defaultDurationSeconds: e.defaultDurationSeconds,
    sessionPolicy: e.sessionPolicy,
    managedPolicyArns: e.managedPolicyArns,
    tags: e.tags,
    claimTags: e.claimTags,
    transitiveTagKeys: e.transitiveTagKeys,
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
