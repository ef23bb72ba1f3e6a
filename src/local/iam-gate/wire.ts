import type { SignedRequest } from './sigv4.js';

/** A request as the gate reads it: which service, which protocol, which operation, its parameters. */
export type WireRequest =
  | { protocol: 'json'; service: string; operation: string; params: Record<string, unknown> }
  | { protocol: 'query'; service: string; operation: string; params: Record<string, string> }
  | {
      protocol: 's3';
      service: 's3';
      method: string;
      bucket?: string;
      key?: string;
      query: URLSearchParams;
      headers: SignedRequest['headers'];
    };

export class UnreadableRequest extends Error {
  override name = 'UnreadableRequest';
}

function header(request: SignedRequest, name: string): string {
  const value = request.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

function jsonBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  const parsed: unknown = JSON.parse(body.toString('utf8'));
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new UnreadableRequest('the JSON body is not an object');
  return Object.fromEntries(Object.entries(parsed));
}

/** Reads the request of `service` (from its SigV4 scope) into a WireRequest. */
export function readWire(request: SignedRequest, service: string): WireRequest {
  if (service === 's3') {
    const path = request.rawPath.replace(/^\//, '');
    const slash = path.indexOf('/');
    const bucket = decodeURIComponent(slash < 0 ? path : path.slice(0, slash));
    const key = slash < 0 ? '' : decodeURIComponent(path.slice(slash + 1));
    return {
      protocol: 's3',
      service: 's3',
      method: request.method,
      ...(bucket ? { bucket } : {}),
      ...(key ? { key } : {}),
      query: new URLSearchParams(request.rawQuery),
      headers: request.headers,
    };
  }
  if (service === 'ses') return sesV2Wire(request);
  const target = header(request, 'x-amz-target');
  if (target) {
    const operation = target.slice(target.lastIndexOf('.') + 1);
    return { protocol: 'json', service, operation, params: jsonBody(request.body) };
  }
  const form = new URLSearchParams(
    request.method === 'POST' ? request.body.toString('utf8') : request.rawQuery,
  );
  const operation = form.get('Action');
  if (!operation) throw new UnreadableRequest(`no Action and no X-Amz-Target in a ${service} request`);
  return { protocol: 'query', service, operation, params: Object.fromEntries(form) };
}

/** SES API v2 is REST-JSON: the operation is the method and path. Only what credvend and its tests call. */
const SES_V2_OPERATIONS: Record<string, string> = {
  'POST /v2/email/outbound-emails': 'SendEmail',
  'POST /v2/email/identities': 'CreateEmailIdentity',
};

function sesV2Wire(request: SignedRequest): WireRequest {
  const operation = SES_V2_OPERATIONS[`${request.method} ${request.rawPath}`];
  if (!operation) throw new UnreadableRequest(`SES ${request.method} ${request.rawPath} is not mapped`);
  return { protocol: 'json', service: 'ses', operation, params: jsonBody(request.body) };
}

/** `Prefix.member.N.Name` members of a query-protocol list, in order. */
export function queryList(params: Record<string, string>, prefix: string, field?: string): string[] {
  const values: string[] = [];
  for (let n = 1; ; n++) {
    const value = params[`${prefix}.member.${n}${field ? `.${field}` : ''}`];
    if (value === undefined) return values;
    values.push(value);
  }
}
