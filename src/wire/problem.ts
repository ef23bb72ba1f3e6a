import * as z from 'zod';
import { PROBLEM_CODES } from '../domain/shared/errors.js';

/** An `application/problem+json` body (RFC 9457). A 5xx carries no `detail`. */
export const problemWire = z.object({
  type: z.string().regex(new RegExp(`^urn:credvend:problem:(?:${PROBLEM_CODES.join('|')})$`)),
  title: z.string(),
  status: z.number().int().min(400).max(599),
  detail: z.string().optional(),
  requestId: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  limit: z.string().optional(),
  stsError: z.string().optional(),
  /** not-entitled: the caller's nearest claim rule, named by id, and the claim that failed. */
  closest: z
    .object({
      entitlementId: z.string(),
      conditionsHeld: z.number().int(),
      conditions: z.number().int(),
      failedClaim: z.string(),
      detail: z.string(),
    })
    .optional(),
});
export type ProblemWire = z.infer<typeof problemWire>;

export const healthWire = z.object({ status: z.literal('ok') });
