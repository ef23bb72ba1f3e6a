import * as z from 'zod';
import { isoInstant, policyDocumentWire } from './common.js';

export const ENTITLEMENT_ID = /^[\w.:@+=-]{1,128}$/;

/** GET /v1/entitlements/mine: what a caller sees of their own entitlement. The ExternalId stays server-side. */
export const entitlementViewWire = z.object({
  id: z.string(),
  accountId: z.string(),
  roleArn: z.string(),
  roleName: z.string(),
  maxDurationSeconds: z.number().int(),
  defaultDurationSeconds: z.number().int().optional(),
  reasonRequired: z.boolean(),
  effect: z.enum(['allow', 'deny']),
  externalIdRequired: z.boolean(),
  managedPolicyArns: z.array(z.string()),
  sessionPolicy: z.optional(policyDocumentWire),
  tagKeys: z.array(z.string()),
  notBefore: z.optional(isoInstant),
  notAfter: z.optional(isoInstant),
  active: z.boolean(),
  description: z.string().optional(),
});
export type EntitlementViewWire = z.infer<typeof entitlementViewWire>;

export const myEntitlementsWire = z.object({ entitlements: z.array(entitlementViewWire) });
export type MyEntitlementsWire = z.infer<typeof myEntitlementsWire>;

const stringMap = z.record(z.string().max(128), z.string().max(256));

const issuerUrl = z
  .url()
  .max(512)
  .refine((issuer) => !/[|#]/.test(issuer), 'an issuer must not contain | or #');

/** Who an entitlement is for: an IdP group, a claim rule, an exact OIDC principal, or an AWS principal. */
export const subjectWire = z.union([
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
            .refine((issuer) => !issuer.includes('|'), 'an issuer must not contain "|"'),
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
export type SubjectWire = z.infer<typeof subjectWire>;

/** PUT /v1/entitlements/{id}: the body; the domain validates it further (every violation at once). */
export const entitlementInputWire = z
  .object({
    subject: subjectWire,
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
    notBefore: z.optional(isoInstant),
    notAfter: z.optional(isoInstant),
    reasonRequired: z.boolean().default(false),
    endWithToken: z.boolean().optional(),
    effect: z.enum(['allow', 'deny']).default('allow'),
    description: z.string().max(1024).optional(),
  })
  .strict();

/** The admin view of an entitlement: everything, including the ExternalId an admin set. */
export const adminEntitlementWire = z.object({
  id: z.string(),
  // A stored subject of a kind this version does not know is shown as its raw key.
  subject: z.union([
    z.object({ group: z.object({ issuer: z.string(), name: z.string() }) }),
    z.object({ claims: z.object({ issuer: z.string(), conditions: z.record(z.string(), z.string()) }) }),
    z.object({ oidc: z.object({ issuer: z.string(), sub: z.string() }) }),
    z.object({ aws: z.string() }),
    z.string(),
  ]),
  accountId: z.string(),
  roleArn: z.string(),
  maxDurationSeconds: z.number().int(),
  defaultDurationSeconds: z.number().int().optional(),
  sessionPolicy: z.optional(policyDocumentWire),
  managedPolicyArns: z.array(z.string()),
  tags: z.record(z.string(), z.string()),
  claimTags: z.record(z.string(), z.string()),
  transitiveTagKeys: z.array(z.string()),
  externalId: z.string().optional(),
  notBefore: z.optional(isoInstant),
  notAfter: z.optional(isoInstant),
  reasonRequired: z.boolean(),
  endWithToken: z.boolean().optional(),
  effect: z.enum(['allow', 'deny']),
  description: z.string().optional(),
  version: z.number().int(),
});
export type AdminEntitlementWire = z.infer<typeof adminEntitlementWire>;

/** PUT /v1/entitlements/{id}: the stored entitlement, and advice where it is valid but could be pinned better. */
export const entitlementPutResultWire = adminEntitlementWire.extend({
  warnings: z.array(z.string()).optional(),
});
export type EntitlementPutResultWire = z.infer<typeof entitlementPutResultWire>;

export const adminEntitlementListWire = z.object({
  entitlements: z.array(adminEntitlementWire),
  nextCursor: z.string().optional(),
});
export type AdminEntitlementListWire = z.infer<typeof adminEntitlementListWire>;

/** GET /v1/entitlements. */
export const entitlementListQueryWire = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: z.string().max(4096).optional(),
  })
  .strict();
