import { z } from 'zod';
import { AuthenticationError, InvalidRequestError, StsUnavailableError } from '../domain/errors.js';
import type { Caller } from '../domain/types.js';
import { invalidRequest } from '../domain/validation.js';
import type { AuthMethodHandler } from '../http/authenticate.js';
import { callerFromAwsArn } from './aws-principal.js';

/**
 * AWS IAM callers, as Vault's AWS auth method does it.
 *
 * The caller signs an `sts:GetCallerIdentity` request with its own credentials and sends
 * it, unsent, as `Authorization: CredvendAWS <base64url(JSON)>` where the JSON is
 * `{ "method": "POST", "url": "<credvend's STS endpoint>", "headers": {…}, "body": "<base64>" }`.
 * credvend checks it, forwards it to its own configured STS endpoint (never to a host the
 * caller names) and trusts only the ARN in STS's answer. The signed
 * `X-Credvend-Server-ID` header binds the request to this server, so a request signed for
 * one credvend cannot be replayed against another.
 */
export const AWS_AUTH_SCHEME = 'CredvendAWS';
export const SERVER_ID_HEADER = 'x-credvend-server-id';
export const GET_CALLER_IDENTITY_BODY = 'Action=GetCallerIdentity&Version=2011-06-15';

const MAX_ENCODED_LENGTH = 16 * 1024;
const HEADER_NAME = /^[a-z0-9-]{1,64}$/;
const HEADER_VALUE = /^[\x20-\x7e]{0,4096}$/;
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const SIGV4_AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=[A-Z0-9]{16,128}\/(\d{8})\/[a-z0-9-]{1,32}\/sts\/aws4_request, ?SignedHeaders=([a-z0-9;-]{1,1024}), ?Signature=[0-9a-f]{64}$/;
/** Headers a fetch client sets itself; the caller's values are not forwarded. */
const NOT_FORWARDED = new Set(['host', 'content-length', 'connection', 'transfer-encoding']);

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

function tag(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]{1,2048})</${name}>`).exec(xml)?.[1];
}

/** Checks the signed request, forwards it to the configured STS endpoint and returns the caller STS names. */
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
  const maxSkewMs = (settings.maxSkewSeconds ?? 300) * 1000;
  const doFetch = settings.fetch ?? fetch;
  const now = settings.now ?? (() => new Date());

  const verify = async (encoded: string): Promise<Caller> => {
    const request = decodeRequest(encoded);
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      throw new InvalidRequestError('the signed request URL is not a URL');
    }
    // Compared as a whole: scheme, host, port, path. No userinfo, query or fragment anywhere.
    if (url.href !== endpoint.href || request.url !== endpoint.href) {
      throw new AuthenticationError(`the signed request must be addressed to ${endpoint.href}`);
    }
    const headers = new Map<string, string>();
    for (const [name, value] of Object.entries(request.headers)) {
      const lower = name.toLowerCase();
      if (!HEADER_NAME.test(lower) || !HEADER_VALUE.test(value))
        throw new InvalidRequestError(`header ${JSON.stringify(name).slice(0, 70)} is not allowed`);
      if (headers.has(lower)) throw new InvalidRequestError(`header ${lower} appears twice`);
      headers.set(lower, value);
    }
    if (!BASE64.test(request.body)) throw new InvalidRequestError('the signed request body is not base64');
    const body = Buffer.from(request.body, 'base64').toString('utf8');
    if (body !== GET_CALLER_IDENTITY_BODY)
      throw new AuthenticationError('only sts:GetCallerIdentity can be signed for credvend');
    if (headers.get('host') !== endpoint.host)
      throw new AuthenticationError(`the signed host must be ${endpoint.host}`);
    if (headers.get(SERVER_ID_HEADER) !== settings.serverId) {
      throw new AuthenticationError(`the ${SERVER_ID_HEADER} header is missing or names another server`);
    }
    const authorization = SIGV4_AUTHORIZATION.exec(headers.get('authorization') ?? '');
    if (!authorization) throw new AuthenticationError('the signed request has no SigV4 Authorization header');
    const signed = new Set((authorization[2] ?? '').split(';'));
    for (const required of ['host', 'x-amz-date', SERVER_ID_HEADER]) {
      if (!signed.has(required)) throw new AuthenticationError(`${required} must be a signed header`);
    }
    for (const name of headers.keys()) {
      if (name !== 'authorization' && !signed.has(name))
        throw new AuthenticationError(`header ${name} is not signed`);
    }
    const date = parseAmzDate(headers.get('x-amz-date') ?? '');
    if (!date || Math.abs(date.getTime() - now().getTime()) > maxSkewMs) {
      throw new AuthenticationError('the signature date is missing or more than 5 minutes from now');
    }

    const forwarded = new Headers();
    for (const [name, value] of headers) if (!NOT_FORWARDED.has(name)) forwarded.set(name, value);
    let response: Response;
    try {
      response = await doFetch(endpoint.href, {
        method: 'POST',
        headers: forwarded,
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(5000),
      });
    } catch (error) {
      throw new StsUnavailableError('STS could not be reached to verify the caller', { cause: error });
    }
    const text = await response.text();
    if (response.status === 403 || response.status === 400 || response.status === 401) {
      const rejected = new AuthenticationError('AWS signature rejected by STS');
      rejected.claimedPrincipal = `unverified-aws-access-key:${claimedKeyId(headers.get('authorization') ?? '')}`;
      throw rejected;
    }
    if (!response.ok) throw new StsUnavailableError(`STS answered GetCallerIdentity with ${response.status}`);
    const arn = tag(text, 'Arn');
    const caller = arn ? callerFromAwsArn(arn) : undefined;
    if (!caller) throw new StsUnavailableError('STS answered GetCallerIdentity without a recognisable ARN');
    return caller;
  };

  return {
    async authenticate(c) {
      const header = c.req.header('authorization');
      if (!header?.startsWith(`${AWS_AUTH_SCHEME} `)) return undefined;
      return verify(header.slice(AWS_AUTH_SCHEME.length + 1).trim());
    },
  };
}
