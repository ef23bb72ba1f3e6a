import { randomUUID } from 'node:crypto';
import { compose } from '../../src/compose/composition.js';
import { createRequestsFunction } from '../../src/compose/requests.js';
import { loadConfig } from '../../src/config.js';
import type { Clock } from '../../src/domain/shared/clock.js';
import { checkedApp } from './openapi-responses.js';
import { devToken, stack, testRuntime } from './support.js';

/** A clock a test moves by hand; everything else about the stack is real. */
export class TestClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }
}

/** The access-requests app wired as `npm start` wires it, against the real stack. */
export function requestsApp(options: { clock?: Clock; env?: Record<string, string> } = {}) {
  const config = loadConfig({ ...stack().credvendEnv, ...options.env });
  const root = compose(config, testRuntime('198.51.100.10', 'requests'));
  // Every answer is checked against the committed OpenAPI document.
  return checkedApp(createRequestsFunction(root, options.clock));
}

export type RequestsApp = ReturnType<typeof requestsApp>;

/** Unique people per test, so tests sharing the stack never see each other's grants. */
export function people<const N extends string>(...names: N[]): Record<N, string> {
  const run = randomUUID().slice(0, 8);
  const named = {} as Record<N, string>;
  for (const name of names) named[name] = `${name}-${run}@example.com`;
  return named;
}

export const principalOf = (sub: string) => `${stack().issuer}#${sub}`;

export async function call(
  app: RequestsApp,
  sub: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; contentType: string | null }> {
  const response = await app.request(path, {
    method,
    headers: { authorization: `Bearer ${await devToken(sub)}`, ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? JSON.parse(text) : {},
    contentType: response.headers.get('content-type'),
  };
}

/** An admin writes a requestable access for the test (a fresh id each time). */
export async function putRequestable(app: RequestsApp, overrides: Record<string, unknown>): Promise<string> {
  const id = `jit-${randomUUID().slice(0, 8)}`;
  const result = await call(app, 'admin@example.com', 'PUT', `/v1/requestables/${id}`, {
    accountId: stack().targetAccountId,
    roleArn: stack().roles.readonly,
    maxGrantSeconds: 7200,
    maxSessionSeconds: 3600,
    requesters: { principals: [], groups: [] },
    approvers: { principals: [], groups: [] },
    ...overrides,
  });
  if (result.status !== 201) throw new Error(`requestable not created: ${JSON.stringify(result.body)}`);
  return id;
}
