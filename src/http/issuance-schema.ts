import { z } from 'zod';
import { InvalidRequestError } from '../domain/errors.js';
import { parsePolicyDocument } from '../domain/policy.js';
import { checkPolicyShape } from '../domain/policy-shape.js';
import type { IssuanceRequest } from '../domain/types.js';
import { invalidRequest } from '../domain/validation.js';

export const CREDENTIAL_FORMATS = ['json', 'credential_process', 'env', 'container', 'console'] as const;
export type CredentialFormat = (typeof CREDENTIAL_FORMATS)[number];

const issuanceBody = z
  .object({
    entitlement: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[\w.:@/+=-]+$/, 'letters, digits and _.:@/+=- only')
      .optional(),
    accountId: z
      .string()
      .regex(/^\d{12}$/, 'a 12-digit AWS account id')
      .optional(),
    roleName: z
      .string()
      .regex(/^[\w+=,.@-]{1,64}$/, 'an IAM role name')
      .optional(),
    // Range is checked by planning, which names the STS limit in its error.
    durationSeconds: z.number().int().positive().optional(),
    sessionPolicy: z.union([z.string().max(10_240), z.record(z.string(), z.unknown())]).optional(),
    reason: z.string().max(1024).optional(),
    format: z.enum(CREDENTIAL_FORMATS).default('json'),
  })
  .strict()
  .superRefine((body, ctx) => {
    const byId = body.entitlement !== undefined;
    const byRole = body.accountId !== undefined || body.roleName !== undefined;
    if (byId === byRole) {
      ctx.addIssue({
        code: 'custom',
        message: 'give either entitlement, or accountId and roleName',
        path: [],
      });
    } else if (byRole && (body.accountId === undefined || body.roleName === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'accountId and roleName go together', path: [] });
    }
  });

export interface ParsedIssuance {
  request: IssuanceRequest;
  format: CredentialFormat;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidRequestError('the body is not valid JSON');
  }
}

/** Untrusted request body text → a typed issuance request, or InvalidRequestError listing every issue. */
export function parseIssuanceBody(text: string): ParsedIssuance {
  if (text.trim() === '') throw new InvalidRequestError('a JSON body is required');
  const result = issuanceBody.safeParse(parseJson(text));
  if (!result.success) {
    throw invalidRequest('the body does not match the credentials request schema', result.error);
  }
  const body = result.data;
  const request: IssuanceRequest = {
    target:
      body.entitlement !== undefined
        ? { entitlementId: body.entitlement }
        : { accountId: body.accountId ?? '', roleName: body.roleName ?? '' },
  };
  if (body.durationSeconds !== undefined) request.durationSeconds = body.durationSeconds;
  if (body.reason !== undefined) request.reason = body.reason;
  if (body.sessionPolicy !== undefined) {
    const raw = typeof body.sessionPolicy === 'string' ? parseJson(body.sessionPolicy) : body.sessionPolicy;
    checkPolicyShape(raw, 'sessionPolicy');
    request.sessionPolicy = parsePolicyDocument(raw);
  }
  return { request, format: body.format };
}
