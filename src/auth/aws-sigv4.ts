import { z } from 'zod';
import {
  AuthenticationError,
  InvalidRequestError,
  StsThrottledError,
  StsUnavailableError,
} from '../domain/errors.js';
import type { Caller } from '../domain/types.js';
import { invalidRequest } from '../domain/validation.js';
import type { AuthMethodHandler } from '../http/authenticate.js';
import { callerFromAwsArn } from './aws-principal.js';

/**
 * AWS IAM callers, as Vault's AWS auth method does it.
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
 * `x-amz-security-token`, `x-amz-content-sha256` and `x-amz-user-agent`; every header but
 * `authorization` must be listed in SignedHeaders. credvend checks all of that and that
 * x-amz-date is within ±5 minutes, then forwards the request to its own configured STS
 * endpoint (never to a host the caller names, no redirects followed) and trusts only the
 * ARN in STS's answer. The signed server id binds the request to this server, so a request
 * signed for one credvend cannot be replayed against another. Malformed input is a 400, a
 * request that is well formed but not acceptable a 401; in both cases nothing is sent.
 * `buildSignedGetCallerIdentity()` in `signed-identity-request.ts` produces the header.
 */
export const AWS_AUTH_SCHEME = 'CredvendAWS';
export const SERVER_ID_HEADER = 'x-credvend-server-id';
export const GET_CALLER_IDENTITY_BODY = 'Action=GetCallerIdentity&Version=2011-06-15';

const MAX_ENCODED_LENGTH = 16 * 1024;
const HEADER_VALUE = /^[\x20-\x7e]{0,4096}$/;
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const SCHEME = new RegExp(`^${AWS_AUTH_SCHEME} +`, 'i');
const SIGV4_AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=[A-Z0-9]{16,128}\/(\d{8})\/[a-z0-9-]{1,32}\/sts\/aws4_request, ?SignedHeaders=([a-z0-9;-]{1,1024}), ?Signature=[0-9a-f]{64}$/;
/**
 * The only headers a signed GetCallerIdentity may carry. Anything else (hop-by-hop headers
 * such as `expect` or `upgrade`, cookies, proxy headers) is refused before forwarding, so
 * what reaches STS is exactly a GetCallerIdentity and nothing the caller chose besides.
 */
const ACCEPTED_HEADERS = new Set([
  'authorization',
  'host',
  'content-type',
  'content-length',
  'x-amz-date',
  'x-amz-security-token',
  'x-amz-content-sha256',
  'x-amz-user-agent',
  SERVER_ID_HEADER,
]);
/** Set by fetch itself from the configured endpoint and the body; the caller's values are signed but not forwarded. */
const NOT_FORWARDED = new Set(['host', 'content-length']);
/** Seconds a caller is told to wait when STS throttles the forwarded request; STS sends no Retry-After. */
const STS_THROTTLE_RETRY_AFTER_SECONDS = 2;
const STS_THROTTLED_CODES = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded']);
const STS_TIMEOUT_MS = 5000;

const signedRequestSchema = z
  .object({
    method: z.literal('POST'),
    url: z.string().max(2048),
    headers: z
      .record(z.string(), z.string())
      .refine((h) => Object.keys(h).length <= 32, 'at most 32 headers'),
    body: z.string().max(4096),
  })
  .strict();

export interface SigV4AuthSettings {
  /** The only STS endpoint requests are forwarded to, e.g. https://sts.us-east-1.amazonaws.com/ */
  stsEndpoint: string;
  serverId: string;
  /** How far X-Amz-Date may be from now, either way. Default 300 (±5 minutes). */
  maxSkewSeconds?: number;
  fetch?: typeof fetch;
  now?: () => Date;
}

function decodeRequest(encoded: string): z.infer<typeof signedRequestSchema> {
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

function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return new Date(Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 0, h ?? 0, mi ?? 0, s ?? 0));
}

function claimedKeyId(authorization: string): string {
  return /Credential=([A-Z0-9]{16,128})\//.exec(authorization)?.[1] ?? 'unknown';
}

/** The text of the one `<name>` element in `xml`; undefined when it is absent, repeated or empty. */
function onlyTag(xml: string, name: string): string | undefined {
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

/**
 * Checks the signed request, forwards it to the configured STS endpoint and returns the
 * caller STS names. Nothing is sent anywhere unless every check passes, and then only to
 * `settings.stsEndpoint`: the URL is built from configuration, never from the caller's string.
 */
export function createSigV4AuthMethod(settings: SigV4AuthSettings): AuthMethodHandler {
  const endpoint = new URL(settings.stsEndpoint);
  if (
    endpoint.username ||
    endpoint.password ||
    endpoint.search ||
    endpoint.hash ||
    endpoint.pathname !== '/'
  ) {
    throw new Error('the STS endpoint must be a bare origin, like https://sts.us-east-1.amazonaws.com/');
  }
  const maxSkewSeconds = settings.maxSkewSeconds ?? 300;
  const doFetch = settings.fetch ?? fetch;
  const now = settings.now ?? (() => new Date());

  const verify = async (encoded: string): Promise<Caller> => {
    const request = decodeRequest(encoded);
    // One exact string comparison with the normalised configured URL: scheme, host (a name
    // never matches an IP literal or vice versa), port and path '/'; so no userinfo, query,
    // fragment or other spelling gets through.
    if (request.url !== endpoint.href) {
      throw new AuthenticationError(`the signed request must be addressed to ${endpoint.href}`);
    }
    const headers = new Map<string, string>();
    for (const [name, value] of Object.entries(request.headers)) {
      const lower = name.toLowerCase();
      // Quoted as JSON so that a name carrying CR/LF shows as \r\n in the problem detail.
      const quoted = JSON.stringify(lower).slice(0, 80);
      if (!HEADER_VALUE.test(value))
        throw new InvalidRequestError(
          `the value of header ${quoted} is not printable ASCII of at most 4096 characters`,
        );
      // The allow-list also settles the name's syntax: every accepted name is a plain token.
      if (!ACCEPTED_HEADERS.has(lower)) {
        throw new InvalidRequestError(
          `header ${quoted} is not accepted: a signed GetCallerIdentity carries only ${[...ACCEPTED_HEADERS].join(', ')}`,
        );
      }
      if (headers.has(lower)) throw new InvalidRequestError(`header ${lower} appears twice`);
      headers.set(lower, value);
    }
    if (!BASE64.test(request.body)) throw new InvalidRequestError('the signed request body is not base64');
    const body = Buffer.from(request.body, 'base64').toString('utf8');
    if (body !== GET_CALLER_IDENTITY_BODY)
      throw new AuthenticationError('only sts:GetCallerIdentity can be signed for credvend');
    const contentLength = headers.get('content-length');
    if (contentLength !== undefined && contentLength !== String(Buffer.byteLength(body))) {
      throw new InvalidRequestError('the signed content-length is not the length of the body');
    }
    if (headers.get('host') !== endpoint.host)
      throw new AuthenticationError(`the signed host must be ${endpoint.host}`);
    if (headers.get(SERVER_ID_HEADER) !== settings.serverId) {
      throw new AuthenticationError(`the ${SERVER_ID_HEADER} header is missing or names another server`);
    }
    const authorization = SIGV4_AUTHORIZATION.exec(headers.get('authorization') ?? '');
    if (!authorization) throw new AuthenticationError('the signed request has no SigV4 Authorization header');
    // Every header sent must be signed. host, x-amz-date and the server id must be sent
    // (checked above and below), so this also proves that they are signed.
    const signed = new Set((authorization[2] ?? '').split(';'));
    for (const name of headers.keys()) {
      if (name !== 'authorization' && !signed.has(name))
        throw new AuthenticationError(`header ${name} is not signed`);
    }
    const amzDate = headers.get('x-amz-date') ?? '';
    const date = parseAmzDate(amzDate);
    if (!date || Math.abs(date.getTime() - now().getTime()) > maxSkewSeconds * 1000) {
      throw new AuthenticationError(
        `the signature date (x-amz-date) is missing or more than ${maxSkewSeconds} s from now`,
      );
    }
    if (authorization[1] !== amzDate.slice(0, 8))
      throw new AuthenticationError('the credential scope date is not the date of x-amz-date');

    const forwarded = new Headers();
    for (const [name, value] of headers) if (!NOT_FORWARDED.has(name)) forwarded.set(name, value);
    let response: Response;
    let text: string;
    try {
      response = await doFetch(endpoint.href, {
        method: 'POST',
        headers: forwarded,
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(STS_TIMEOUT_MS),
      });
      text = await response.text();
    } catch (error) {
      throw new StsUnavailableError('STS could not be reached to verify the caller', { cause: error });
    }
    if (response.status === 429 || STS_THROTTLED_CODES.has(onlyTag(text, 'Code') ?? '')) {
      throw new StsThrottledError(STS_THROTTLE_RETRY_AFTER_SECONDS);
    }
    if (response.status === 403 || response.status === 400 || response.status === 401) {
      const rejected = new AuthenticationError('AWS signature rejected by STS');
      rejected.claimedPrincipal = `unverified-aws-access-key:${claimedKeyId(headers.get('authorization') ?? '')}`;
      throw rejected;
    }
    if (response.status !== 200) {
      throw new StsUnavailableError(`STS answered GetCallerIdentity with ${response.status}`);
    }
    const identity = parseGetCallerIdentityResponse(text);
    if (!identity)
      throw new StsUnavailableError('STS answered GetCallerIdentity with an unexpected document');
    const caller = callerFromAwsArn(identity.arn);
    if (!caller) {
      throw new AuthenticationError(
        `${identity.arn} is not a principal credvend accepts: sign with an IAM user or an assumed role`,
      );
    }
    return caller;
  };

  return {
    async authenticate(c) {
      const header = c.req.header('authorization');
      const scheme = header === undefined ? undefined : SCHEME.exec(header);
      if (!header || !scheme) return undefined;
      return verify(header.slice(scheme[0].length).trim());
    },
  };
}
