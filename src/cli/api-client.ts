import { type $ZodType, type output, safeParse } from 'zod/v4/core';
import type { ApiTarget } from './bearer-token.js';
import { CliError } from './errors.js';

export type { ApiTarget } from './bearer-token.js';

/** The Authorization header value for a target: a bearer token, or a freshly signed GetCallerIdentity. */
export async function authorizationFor(target: ApiTarget): Promise<string> {
  const { resolveCaller } = await import('./caller.js');
  return (await resolveCaller(target)).authorization;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Credentials (a bearer token, a signed GetCallerIdentity) go only where no one on the path
 * can read them: an https:// URL, or plain http to a loopback address (the local stack), the
 * rule issuers follow. Checked before anything is sent, so a mistyped http:// API URL leaks nothing.
 */
export function checkApiUrl(apiUrl: string): void {
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    throw new CliError(`the API URL ${apiUrl} is not a URL`);
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) return;
  throw new CliError(
    `credvend sends credentials only to https:// URLs or to http:// on a loopback address (127.0.0.1, [::1], localhost), not to ${url.origin}`,
  );
}

/**
 * One API call. Any non-2xx answer becomes a CliError whose message is the problem's
 * title and detail on one line, so every command fails the same readable way.
 */
export async function callApi(
  target: ApiTarget,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; authorization?: string } = {},
): Promise<ApiResponse> {
  const url = `${target.apiUrl.replace(/\/$/, '')}${path}`;
  checkApiUrl(target.apiUrl);
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        authorization: options.authorization ?? (await authorizationFor(target)),
        'user-agent': 'credvend-cli/0.1',
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(
      `cannot reach credvend at ${target.apiUrl} (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  const text = await response.text();
  if (!response.ok) {
    const problem = problemOf(text);
    throw new CliError(
      problemLine(response.status, problem),
      response.status === 401 || response.status === 403 ? 3 : 1,
      problem ?? { status: response.status },
    );
  }
  return { status: response.status, headers: response.headers, text };
}

/** The problem+json body of an error answer, when it is one. */
function problemOf(text: string): Record<string, unknown> | undefined {
  try {
    const problem: unknown = JSON.parse(text);
    return problem && typeof problem === 'object' && 'title' in problem ? { ...problem } : undefined;
  } catch {
    // Not problem+json (a proxy's HTML page, say).
    return undefined;
  }
}

/** Title, detail and request id on one line, then one indented line per invalid field. */
function problemLine(status: number, problem: Record<string, unknown> | undefined): string {
  if (!problem) return `credvend answered HTTP ${status}`;
  const detail = typeof problem.detail === 'string' ? `: ${problem.detail}` : '';
  const id = typeof problem.requestId === 'string' ? ` (request ${problem.requestId})` : '';
  const issues = Array.isArray(problem.issues) ? problem.issues : [];
  const fields = issues.flatMap((issue: unknown) =>
    issue && typeof issue === 'object' && 'message' in issue && typeof issue.message === 'string'
      ? [
          `\n  ${'path' in issue && typeof issue.path === 'string' && issue.path ? `${issue.path}: ` : ''}${issue.message}`,
        ]
      : [],
  );
  return `${String(problem.title)}${detail}${id}${fields.join('')}`;
}

/** The response body, validated: the CLI trusts the API's shape no more than the API trusts its callers. */
export function parseBody<S extends $ZodType>(schema: S, response: ApiResponse): output<S> {
  let json: unknown;
  try {
    json = JSON.parse(response.text);
  } catch {
    throw new CliError('credvend answered with something that is not JSON');
  }
  const parsed = safeParse(schema, json);
  if (!parsed.success)
    throw new CliError(`credvend's answer has an unexpected shape: ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data;
}
