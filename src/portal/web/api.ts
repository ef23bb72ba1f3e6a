import { currentToken } from './auth.js';
import { isObject, list, text } from './wire.js';

/** A refusal from the API, as its problem+json said it: title, detail and per-field errors. */
export class ApiProblem extends Error {
  override readonly name = 'ApiProblem';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function problemMessage(status: number, body: unknown): string {
  if (!isObject(body)) return `HTTP ${status}`;
  const fields = list(body, 'issues')
    .map((e) => [text(e, 'path'), text(e, 'message')].filter(Boolean).join(': '))
    .filter(Boolean);
  return [text(body, 'title') || `HTTP ${status}`, text(body, 'detail'), ...fields]
    .filter(Boolean)
    .join(' — ');
}

export interface ApiResponse {
  status: number;
  etag: string | undefined;
  body: unknown;
  text: string;
}

/** Same-origin calls with the in-memory bearer token; a non-2xx answer throws its problem. */
export async function api(
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  const token = currentToken();
  if (!token) throw new ApiProblem(401, 'Your sign-in has ended: sign in again.');
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...init.headers };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    cache: 'no-store',
  });
  const raw = await response.text();
  const type = response.headers.get('content-type') ?? '';
  const isJson = /^application\/(problem\+)?json\b/.test(type);
  const body: unknown = isJson && raw ? JSON.parse(raw) : undefined;
  if (!response.ok) throw new ApiProblem(response.status, problemMessage(response.status, body));
  return { status: response.status, etag: response.headers.get('etag') ?? undefined, body, text: raw };
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
