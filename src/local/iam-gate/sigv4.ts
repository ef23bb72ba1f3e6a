import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * SigV4 as the gate checks it: the header form every SDK and the AWS CLI send. The gate
 * recomputes the signature from the request as it arrived (method, path, query, the signed
 * headers, the payload hash) with the secret it saw issued for the access key.
 */
export interface SignedRequest {
  method: string;
  /** The path exactly as sent (still percent-encoded). */
  rawPath: string;
  /** The query string as sent, without the `?`. */
  rawQuery: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface Authorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

/** The parts of an `Authorization: AWS4-HMAC-SHA256 …` header, or undefined if it has another form. */
export function parseAuthorization(header: string | undefined): Authorization | undefined {
  const match = header ? AUTHORIZATION.exec(header.trim()) : null;
  if (!match) return undefined;
  const [, accessKeyId, date, region, service, signedHeaders, signature] = match;
  if (!accessKeyId || !date || !region || !service || !signedHeaders || !signature) return undefined;
  return { accessKeyId, date, region, service, signedHeaders: signedHeaders.split(';'), signature };
}

/** RFC 3986 encoding as SigV4 wants it (unreserved characters kept, everything else %XX). */
function encode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function canonicalQuery(rawQuery: string): string {
  if (rawQuery === '') return '';
  return rawQuery
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      const name = decodeURIComponent((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, '%20'));
      const value = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1).replace(/\+/g, '%20'));
      return [encode(name), encode(value)] as const;
    })
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

/** S3 signs the path as sent; every other service signs each segment encoded once more. */
function canonicalPath(rawPath: string, service: string): string {
  if (service === 's3') return rawPath || '/';
  return (rawPath || '/')
    .split('/')
    .map((segment) => encode(decodeURIComponent(segment)))
    .map((segment) => encode(segment))
    .join('/');
}

function headerValue(value: string | string[] | undefined): string {
  const joined = Array.isArray(value) ? value.join(',') : (value ?? '');
  return joined.trim().replace(/\s+/g, ' ');
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

/** Why a signature does not verify, or undefined when it does. */
export function signatureProblem(
  request: SignedRequest,
  auth: Authorization,
  secretAccessKey: string,
): string | undefined {
  if (!auth.signedHeaders.includes('host')) return 'the Host header is not signed';
  const amzDate = headerValue(request.headers['x-amz-date']);
  if (!amzDate.startsWith(auth.date)) return 'X-Amz-Date does not match the credential scope date';
  const declared = headerValue(request.headers['x-amz-content-sha256']);
  const bodyHash = sha256(request.body);
  // A declared hex hash must be the body's; UNSIGNED-PAYLOAD and streaming forms are signed as declared.
  if (/^[0-9a-f]{64}$/.test(declared) && declared !== bodyHash) return 'the payload does not match its hash';
  const payloadHash = declared !== '' ? declared : bodyHash;
  const canonical = [
    request.method,
    canonicalPath(request.rawPath, auth.service),
    canonicalQuery(request.rawQuery),
    ...auth.signedHeaders.map((name) => `${name}:${headerValue(request.headers[name])}`),
    '',
    auth.signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = [auth.date, auth.region, auth.service, 'aws4_request'].reduce<Buffer | string>(
    (k, part) => hmac(k, part),
    `AWS4${secretAccessKey}`,
  );
  const expected = hmac(key, toSign);
  const given = Buffer.from(auth.signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected)
    ? undefined
    : 'the request signature we calculated does not match the signature you provided';
}
