import { parsePolicyDocument } from '../domain/policy/policy.js';
import { checkPolicyShape } from '../domain/policy/shape.js';
import { InvalidRequestError } from '../domain/shared/errors.js';
import type { IssuanceRequest } from '../domain/shared/types.js';
import { invalidRequest } from '../domain/shared/validation.js';
import { type CredentialFormat, issuanceRequestWire } from '../wire/credentials.js';

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
  const result = issuanceRequestWire.safeParse(parseJson(text));
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
