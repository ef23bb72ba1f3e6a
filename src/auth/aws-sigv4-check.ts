import { AuthenticationError, InvalidRequestError } from '../domain/shared/errors.js';
import { GET_CALLER_IDENTITY_BODY, SERVER_ID_HEADER, type SignedRequest } from './aws-sigv4-protocol.js';

const HEADER_VALUE = /^[\x20-\x7e]{0,4096}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const SIGV4_AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([A-Z0-9]{16,128})\/(\d{8})\/[a-z0-9-]{1,32}\/sts\/aws4_request, ?SignedHeaders=([a-z0-9;-]{1,1024}), ?Signature=[0-9a-f]{64}$/;
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
/** What a GetCallerIdentity body is; anything else would make STS parse the body another way. */
const FORM_CONTENT_TYPE = /^application\/x-www-form-urlencoded(?:; ?charset=utf-8)?$/i;
const DEFAULT_CONTENT_TYPE = 'application/x-www-form-urlencoded; charset=utf-8';
/** Set by fetch itself from the configured endpoint and the body; the caller's values are signed but not forwarded. */
const NOT_FORWARDED = new Set(['host', 'content-length']);

export interface SignedRequestPolicy {
  /** The configured STS endpoint, a bare origin. */
  endpoint: URL;
  serverId: string;
  maxSkewSeconds: number;
  now: Date;
}

/** A signed request that passed every check: what may be sent to the configured endpoint. */
export interface ForwardableRequest {
  headers: Map<string, string>;
  body: string;
  /** The access key id the signature claims; unverified until STS accepts it. */
  claimedKeyId: string;
}

function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return new Date(Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 0, h ?? 0, mi ?? 0, s ?? 0));
}

/** The request's headers, lower-cased, each on the allow-list, printable and given once. */
function acceptedHeaders(request: SignedRequest): Map<string, string> {
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
  return headers;
}

function checkedBody(request: SignedRequest, headers: Map<string, string>): string {
  if (!BASE64.test(request.body)) throw new InvalidRequestError('the signed request body is not base64');
  const body = Buffer.from(request.body, 'base64').toString('utf8');
  if (body !== GET_CALLER_IDENTITY_BODY)
    throw new AuthenticationError('only sts:GetCallerIdentity can be signed for credvend');
  const contentLength = headers.get('content-length');
  if (contentLength !== undefined && contentLength !== String(Buffer.byteLength(body))) {
    throw new InvalidRequestError('the signed content-length is not the length of the body');
  }
  return body;
}

/** The signature's claims: signed headers cover every sent one, and the date is fresh and in scope. */
function checkSignature(headers: Map<string, string>, policy: SignedRequestPolicy): string {
  const authorization = SIGV4_AUTHORIZATION.exec(headers.get('authorization') ?? '');
  if (!authorization) throw new AuthenticationError('the signed request has no SigV4 Authorization header');
  // Every header sent must be signed. host, x-amz-date and the server id must be sent
  // (checked by the caller and below), so this also proves that they are signed.
  const signed = new Set((authorization[3] ?? '').split(';'));
  for (const name of headers.keys()) {
    if (name !== 'authorization' && !signed.has(name))
      throw new AuthenticationError(`header ${name} is not signed`);
  }
  const amzDate = headers.get('x-amz-date') ?? '';
  const date = parseAmzDate(amzDate);
  if (!date || Math.abs(date.getTime() - policy.now.getTime()) > policy.maxSkewSeconds * 1000) {
    throw new AuthenticationError(
      `the signature date (x-amz-date) is missing or more than ${policy.maxSkewSeconds} s from now`,
    );
  }
  if (authorization[2] !== amzDate.slice(0, 8))
    throw new AuthenticationError('the credential scope date is not the date of x-amz-date');
  return authorization[1] ?? 'unknown';
}

/**
 * Whether a decoded signed request may be forwarded to STS, with no I/O: addressed to the
 * configured endpoint, only allowed headers, all of them signed, exactly GetCallerIdentity,
 * this server's id, a fresh date. Malformed input is an InvalidRequestError (400), a well
 * formed but unacceptable request an AuthenticationError (401).
 */
export function checkSignedRequest(request: SignedRequest, policy: SignedRequestPolicy): ForwardableRequest {
  // One exact string comparison with the normalised configured URL: scheme, host (a name
  // never matches an IP literal or vice versa), port and path '/'; so no userinfo, query,
  // fragment or other spelling gets through.
  if (request.url !== policy.endpoint.href) {
    throw new AuthenticationError(`the signed request must be addressed to ${policy.endpoint.href}`);
  }
  const headers = acceptedHeaders(request);
  const body = checkedBody(request, headers);
  if (headers.get('host') !== policy.endpoint.host)
    throw new AuthenticationError(`the signed host must be ${policy.endpoint.host}`);
  if (headers.get(SERVER_ID_HEADER) !== policy.serverId) {
    throw new AuthenticationError(`the ${SERVER_ID_HEADER} header is missing or names another server`);
  }
  const contentType = headers.get('content-type');
  if (contentType !== undefined && !FORM_CONTENT_TYPE.test(contentType)) {
    throw new InvalidRequestError(
      `a signed GetCallerIdentity is sent as ${DEFAULT_CONTENT_TYPE}, not ${contentType.slice(0, 80)}`,
    );
  }
  const claimedKeyId = checkSignature(headers, policy);
  const forwarded = new Map([...headers].filter(([name]) => !NOT_FORWARDED.has(name)));
  // Pinned: without it fetch would send text/plain for the string body.
  forwarded.set('content-type', contentType ?? DEFAULT_CONTENT_TYPE);
  return { headers: forwarded, body, claimedKeyId };
}
