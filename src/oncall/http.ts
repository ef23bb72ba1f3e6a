import { OnCallUnavailableError } from '../domain/access-requests/on-call.js';

/**
 * One GET to a paging service's REST API with its key in the Authorization header. Any
 * failure is an OnCallUnavailableError whose message names the service and what went wrong
 * (status, timeout), never the key, the URL's query or the body.
 */
export async function getJson(
  service: string,
  url: URL,
  authorization: string,
  options: { timeoutMs: number; accept?: string },
): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { authorization, accept: options.accept ?? 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    const name = error instanceof Error ? error.name : 'error';
    throw new OnCallUnavailableError(`${service} did not answer (${name})`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new OnCallUnavailableError(`${service} answered ${response.status}`);
  }
  try {
    return await response.json();
  } catch {
    throw new OnCallUnavailableError(`${service} answered with no JSON`);
  }
}

/** Emails compare case-insensitively: paging services keep whatever case a person typed. */
export function sameEmail(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}
