import * as z from 'zod';
import { DURATION_BOUNDS } from '../domain/shared/types.js';
import { policyDocumentWire } from './common.js';

const limitUsageWire = z.object({ limit: z.string(), used: z.number(), max: z.number() });

/** POST /v1/credentials/plan: what would be issued. Never the ExternalId, only whether one is sent. */
export const planResponseWire = z.object({
  entitlementId: z.string(),
  accountId: z.string(),
  roleArn: z.string(),
  durationSeconds: z.number().int(),
  durationBoundBy: z.enum(DURATION_BOUNDS),
  sessionName: z.string(),
  sourceIdentity: z.string(),
  sessionPolicy: z.optional(policyDocumentWire),
  policyArns: z.array(z.string()),
  sessionPolicyChars: z.number().int(),
  sessionPolicyBudget: z.object({ used: z.number().int(), max: z.number().int() }),
  tags: z.array(z.object({ key: z.string(), value: z.string() })),
  transitiveTagKeys: z.array(z.string()),
  externalIdSent: z.boolean(),
  reason: z.string().optional(),
  nearestLimits: z.array(limitUsageWire),
  matchedSubject: z.object({
    kind: z.enum(['principal', 'group', 'claim-rule', 'account']),
    why: z.string(),
  }),
});
export type PlanResponseWire = z.infer<typeof planResponseWire>;
