import * as z from 'zod';
import { adminEntitlementWire } from './entitlements.js';

const subjectKindWire = z.enum(['principal', 'group', 'claim-rule', 'account']);

/** POST /v1/subjects/explain: a decoded token's payload, as the issuer would sign it. */
export const explainRequestWire = z
  .object({
    issuer: z.url().max(512),
    // Checked like a real token's claims.
    claims: z.record(z.string().max(128), z.unknown()),
  })
  .strict();

/** GET /v1/subjects: distinct subjects of a page of entitlements, each with the ids granted to it. */
export const subjectListWire = z.object({
  subjects: z.array(
    z.object({
      subject: adminEntitlementWire.shape.subject,
      kind: subjectKindWire,
      entitlements: z.array(z.string()),
    }),
  ),
  nextCursor: z.string().optional(),
});
export type SubjectListWire = z.infer<typeof subjectListWire>;

/** POST /v1/subjects/explain: the rows issuance would read, whether each matched and why, and the grants. */
export const explanationWire = z.object({
  subjectKeys: z.array(z.string()),
  rows: z.array(
    z.object({
      entitlementId: z.string(),
      subjectKind: subjectKindWire,
      effect: z.enum(['allow', 'deny']),
      accountId: z.string(),
      roleName: z.string(),
      active: z.boolean(),
      matched: z.boolean(),
      why: z.string().optional(),
      conditions: z
        .array(
          z.object({
            claim: z.string(),
            pattern: z.string(),
            failure: z.string().optional(),
            actual: z.string().optional(),
          }),
        )
        .optional(),
    }),
  ),
  grants: z.array(
    z.object({
      accountId: z.string(),
      roleName: z.string(),
      entitlementId: z.string().optional(),
      subjectKind: subjectKindWire.optional(),
      deniedBy: z.string().optional(),
    }),
  ),
});
export type ExplanationWire = z.infer<typeof explanationWire>;
