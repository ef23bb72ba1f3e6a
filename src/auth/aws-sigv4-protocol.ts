import { InvalidRequestError } from '../domain/shared/errors.js';
import { invalidRequest } from '../domain/shared/validation.js';
import * as z from '../zod-mini.js';

/**
 * The wire protocol of AWS IAM callers, as Vault's AWS auth method does it.
 *
 * The caller signs an `sts:GetCallerIdentity` request with its own credentials and sends
 * it, unsent, in the header
 *
 * ```
 * Authorization: CredvendAWS <base64url(JSON)>          (the whole value at most 16 KiB)
 * JSON = {
 *   "method": "POST",
 *   "url": "<credvend's configured STS endpoint, exactly, e.g. https://sts.eu-west-1.amazonaws.com/>",
 *   "headers": { "<lower-case name>": "<printable ASCII value>", … },   // at most 32
 *   "body": "<base64 of Action=GetCallerIdentity&Version=2011-06-15>"
 * }
 * ```
 *
 * `headers` holds the signed request's headers: `authorization` (SigV4 for service `sts`),
 * `host`, `x-amz-date` and `x-credvend-server-id` (credvend's `CREDVEND_SERVER_ID`) are
 * required, and may be joined only by `content-type`, `content-length`,
 * `x-amz-security-token`, `x-amz-content-sha256` and `x-amz-user-agent`.
 * `aws-sigv4-check.ts` decides whether a decoded request may be forwarded,
 * `sts-identity-forwarder.ts` forwards it, and `buildSignedGetCallerIdentity()` in
 * `signed-identity-request.ts` produces the header.
 */
export const AWS_AUTH_SCHEME = 'CredvendAWS';
export const SERVER_ID_HEADER = 'x-credvend-server-id';
export const GET_CALLER_IDENTITY_BODY = 'Action=GetCallerIdentity&Version=2011-06-15';

const MAX_ENCODED_LENGTH = 16 * 1024;
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;
const SCHEME = new RegExp(`^${AWS_AUTH_SCHEME} +`, 'i');

const signedRequestSchema = z.strictObject({
  method: z.literal('POST'),
  url: z.string().check(z.maxLength(2048)),
  headers: z
    .record(z.string(), z.string())
    .check(z.refine((h) => Object.keys(h).length <= 32, 'at most 32 headers')),
  body: z.string().check(z.maxLength(4096)),
});

/** A signed GetCallerIdentity as the caller sent it: shape checked, content not yet. */
export type SignedRequest = z.infer<typeof signedRequestSchema>;

/** The encoded request in an `Authorization: CredvendAWS …` header; undefined for any other scheme. */
export function encodedSignedRequest(authorization: string | undefined): string | undefined {
  const scheme = authorization === undefined ? undefined : SCHEME.exec(authorization);
  return authorization && scheme ? authorization.slice(scheme[0].length).trim() : undefined;
}

export function decodeSignedRequest(encoded: string): SignedRequest {
  if (encoded.length > MAX_ENCODED_LENGTH)
    throw new InvalidRequestError(`the signed request is over ${MAX_ENCODED_LENGTH} bytes`);
  if (!BASE64URL.test(encoded)) throw new InvalidRequestError('the signed request is not base64url');
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidRequestError('the signed request is not base64url-encoded JSON');
  }
  const parsed = signedRequestSchema.safeParse(json);
  if (!parsed.success) {
    throw invalidRequest('the signed request does not have the expected shape', parsed.error, '(request)');
  }
  return parsed.data;
}

/** The text of the one `<name>` element in `xml`; undefined when it is absent, repeated or empty. */
export function onlyTag(xml: string, name: string): string | undefined {
  const found = [...xml.matchAll(new RegExp(`<${name}>([^<]{1,2048})</${name}>`, 'g'))];
  return found.length === 1 && xml.split(`<${name}>`).length === 2 ? found[0]?.[1] : undefined;
}

export interface StsIdentity {
  arn: string;
  account: string;
  userId: string;
}

/**
 * The identity in a GetCallerIdentityResponse, or undefined when the document is not one:
 * the root element, one result with exactly one Arn, Account and UserId, and an Account
 * that is the ARN's own. Regexes on known tags are enough for this fixed, tiny document.
 */
export function parseGetCallerIdentityResponse(xml: string): StsIdentity | undefined {
  if (!/^\s*(?:<\?xml[^>]*\?>\s*)?<GetCallerIdentityResponse[\s>]/.test(xml)) return undefined;
  const results = [...xml.matchAll(/<GetCallerIdentityResult>([\s\S]*?)<\/GetCallerIdentityResult>/g)];
  const result = results.length === 1 ? results[0]?.[1] : undefined;
  if (result === undefined) return undefined;
  const arn = onlyTag(result, 'Arn');
  const account = onlyTag(result, 'Account');
  const userId = onlyTag(result, 'UserId');
  if (!arn || !account || !userId || !/^\d{12}$/.test(account)) return undefined;
  if (!/^[\w+=,.@:-]{1,128}$/.test(userId)) return undefined;
  if (!new RegExp(`^arn:aws[\\w-]*:(?:iam|sts)::${account}:[\\w+=,.@/-]{1,1024}$`).test(arn))
    return undefined;
  return { arn, account, userId };
}
