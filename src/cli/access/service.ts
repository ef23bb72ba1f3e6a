import type { CurrentAccess, PlanStep, RequestableSeen } from '../../domain/access-code/types.js';
import {
  describeScope,
  type ScopeBounds,
  type ScopedRow,
  scopeCovers,
} from '../../domain/admin/admin-scope.js';
import { parsePolicyDocument } from '../../domain/policy/policy.js';
import { entitlementOfAdminWire } from '../../http/entitlement-schema.js';
import type { RequestableWire } from '../../wire/access-requests.js';
import { adminScopeWire } from '../../wire/admin-scope.js';
import { adminEntitlementListWire } from '../../wire/entitlements.js';
import { type UnusedAccessWire, unusedAccessWire } from '../../wire/reviews.js';
import { type ApiTarget, callApi, parseBody } from '../api-client.js';
import { CliError } from '../errors.js';
import { requestableListWire } from '../wire.js';

function seenOf(w: RequestableWire): RequestableSeen {
  const { sessionPolicy, ...rest } = w;
  return sessionPolicy === undefined ? rest : { ...rest, sessionPolicy: parsePolicyDocument(sessionPolicy) };
}

/** Everything the service holds that a directory may describe, with the versions read. */
export async function readCurrentAccess(api: ApiTarget): Promise<CurrentAccess> {
  const entitlements = [];
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({ limit: '1000', ...(cursor ? { cursor } : {}) });
    const page = parseBody(adminEntitlementListWire, await callApi(api, 'GET', `/v1/entitlements?${query}`));
    entitlements.push(...page.entitlements.map(entitlementOfAdminWire));
    cursor = page.nextCursor;
  } while (cursor);
  const requestables = parseBody(requestableListWire, await callApi(api, 'GET', '/v1/requestables'));
  return { entitlements, requestables: requestables.requestables.map(seenOf) };
}

/** A caller that got credentials under an entitlement, from the audit. */
export type CallerSeen = UnusedAccessWire['entitlements'][number]['callers'][number];

/**
 * Who got credentials under each entitlement in the last 90 days: the service's evidence
 * (GET /v1/reviews/evidence, admin role), one read per account the rows are in.
 * Undefined when this identity may not read it.
 */
export async function callersByEntitlement(
  api: ApiTarget,
  rows: ReadonlyArray<{ id: string; accountId: string }>,
): Promise<Map<string, CallerSeen[]> | undefined> {
  const wanted = new Set(rows.map((r) => r.id));
  const callers = new Map<string, CallerSeen[]>();
  for (const accountId of new Set(rows.map((r) => r.accountId))) {
    const query = new URLSearchParams({ accountId, days: '90' });
    const answer = await callApi(api, 'GET', `/v1/reviews/evidence?${query}`).catch((error: unknown) => {
      // Without the evidence the plan says so and goes on.
      if (error instanceof CliError && error.problem?.status === 403) return undefined;
      throw error;
    });
    if (!answer) return undefined;
    for (const e of parseBody(unusedAccessWire, answer).entitlements) {
      if (wanted.has(e.id)) callers.set(e.id, e.callers);
    }
  }
  return callers;
}

const PATHS = { entitlement: '/v1/entitlements', requestable: '/v1/requestables' } as const;

/** One step, conditional on the version the plan read (If-Match); the answer's version, if any. */
export async function applyStep(api: ApiTarget, step: PlanStep, body: unknown): Promise<number | undefined> {
  const path = `${PATHS[step.kind]}/${encodeURIComponent(step.id)}`;
  const headers: Record<string, string> =
    step.expectedVersion === undefined ? {} : { 'if-match': `"v${step.expectedVersion}"` };
  if (step.op === 'delete') {
    await callApi(api, 'DELETE', path, { headers });
    return undefined;
  }
  const answer = await callApi(api, 'PUT', path, { body, headers });
  const etag = /^"v(\d+)"$/.exec(answer.headers.get('etag') ?? '');
  return etag?.[1] ? Number(etag[1]) : undefined;
}

/** What this identity administers (GET /v1/admin/scope); undefined when the service does not say. */
async function scopeOf(api: ApiTarget): Promise<ScopeBounds | undefined> {
  const answer = await callApi(api, 'GET', '/v1/admin/scope').catch((error: unknown) => {
    // A service without the route, or an identity with no scope: the writes themselves refuse.
    if (error instanceof CliError && [403, 404].includes(Number(error.problem?.status))) return undefined;
    throw error;
  });
  return answer && parseBody(adminScopeWire, answer);
}

/**
 * The steps of a plan that touch a row outside what this identity administers (an admin
 * slice), each judged on the row as stored and as written, as the service judges it: an
 * apply refuses them all before its first write instead of stopping halfway.
 */
export async function stepsOutsideScope(
  api: ApiTarget,
  steps: readonly PlanStep[],
  rowsOf: (step: PlanStep) => readonly ScopedRow[],
): Promise<{ scope: string; outside: PlanStep[] }> {
  const scope = await scopeOf(api);
  if (!scope) return { scope: 'unknown', outside: [] };
  const outside = steps.filter((step) => rowsOf(step).some((row) => !scopeCovers(scope, row)));
  return { scope: describeScope(scope), outside };
}
