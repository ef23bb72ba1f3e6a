import { z } from 'zod';
import type { EntitlementInput } from '../domain/entitlement-admin.js';
import { InvalidRequestError } from '../domain/errors.js';
import { parsePolicyDocument } from '../domain/policy.js';
import { checkPolicyShape } from '../domain/policy-shape.js';
import { awsPrincipalSubject, oidcSubject, SUBJECT_DELIMITER } from '../domain/subjects.js';
import type { Entitlement } from '../domain/types.js';
import { invalidRequest } from '../domain/validation.js';

export const ENTITLEMENT_ID = /^[\w.:@+=-]{1,128}$/;

const isoTime = z.iso.datetime({ offset: true });
const stringMap = z.record(z.string().max(128), z.string().max(256));

const subjectSchema = z.union([
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
    effect: z.enum(['allow', 'deny']).default('allow'),
    description: z.string().max(1024).optional(),
  })
  .strict();

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
    subject:
      'oidc' in b.subject
        ? oidcSubject(b.subject.oidc.issuer, b.subject.oidc.sub)
        : awsPrincipalSubject(b.subject.aws),
    accountId: b.accountId,
    roleArn: b.roleArn,
    maxDurationSeconds: b.maxDurationSeconds,
    managedPolicyArns: b.managedPolicyArns,
    tags: b.tags,
    claimTags: b.claimTags,
    transitiveTagKeys: b.transitiveTagKeys,
    reasonRequired: b.reasonRequired,
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
export function toAdminWire(e: Entitlement): Record<string, unknown> {
  const [kind, ...rest] = e.subject.split('|');
  const subject =
    kind === 'oidc'
      ? { oidc: { issuer: rest[0], sub: rest.slice(1).join('|') } }
      : kind === 'aws'
        ? { aws: rest.join('|') }
        : e.subject;
  return {
    id: e.id,
    subject,
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
    effect: e.effect,
    description: e.description,
    version: e.version,
  };
}
