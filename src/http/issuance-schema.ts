import { parsePolicyDocument } from '../domain/policy/policy.js';
import { checkPolicyShape } from '../domain/policy/shape.js';
import type { IssuanceRequest } from '../domain/shared/types.js';
import type { CredentialFormat } from '../wire/credential-format-names.js';
import { issuanceRequestWire } from '../wire/credentials.js';
import { parseJsonBody, parseJsonText } from './json-body.js';

export interface ParsedIssuance {
  request: IssuanceRequest;
  format: CredentialFormat;
}

/** Untrusted request body text → a typed issuance request, or InvalidRequestError listing every issue. */
export function parseIssuanceBody(text: string): ParsedIssuance {
  const body = parseJsonBody(issuanceRequestWire, text, 'credentials request');
  const request: IssuanceRequest = {
    target:
      body.entitlement !== undefined
        ? { entitlementId: body.entitlement }
        : { accountId: body.accountId ?? '', roleName: body.roleName ?? '' },
  };
  if (body.durationSeconds !== undefined) request.durationSeconds = body.durationSeconds;
  if (body.reason !== undefined) request.reason = body.reason;
  if (body.sessionPolicy !== undefined) {
    const raw =
      typeof body.sessionPolicy === 'string' ? parseJsonText(body.sessionPolicy) : body.sessionPolicy;
    checkPolicyShape(raw, 'sessionPolicy');
    request.sessionPolicy = parsePolicyDocument(raw);
  }
  return { request, format: body.format };
}
