import type { CurrentAccess, PlanStep, RequestableSeen } from '../../domain/access-code/types.js';
import { parsePolicyDocument } from '../../domain/policy/policy.js';
import { entitlementOfAdminWire } from '../../http/entitlement-schema.js';
import type { RequestableWire } from '../../wire/access-requests.js';
import { adminEntitlementListWire } from '../../wire/entitlements.js';
import { type ApiTarget, callApi, parseBody } from '../api-client.js';
import { CliError } from '../errors.js';
import { auditPage, requestableListWire } from '../wire.js';

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
export interface CallerSeen {
  principal: string;
  name?: string;
  issuances: number;
  last: string;
}

export const CALLER_WINDOW_DAYS = 90;
/** Audit pages read per role: the plan names callers, it does not export the audit. */
const MAX_PAGES = 10;

/**
 * Who got credentials under each entitlement in the last 90 days, read from the audit by
 * role. Undefined when this identity may not read the audit (the auditor role).
 */
export async function callersByEntitlement(
  api: ApiTarget,
  rows: ReadonlyArray<{ id: string; roleArn: string }>,
  now: Date,
): Promise<Map<string, CallerSeen[]> | undefined> {
  const from = new Date(now.getTime() - CALLER_WINDOW_DAYS * 86_400_000).toISOString();
  const wanted = new Set(rows.map((r) => r.id));
  const seen = new Map<string, Map<string, CallerSeen>>();
  for (const roleArn of new Set(rows.map((r) => r.roleArn))) {
    let cursor: string | undefined;
    let pages = 0;
    do {
      const query = new URLSearchParams({ roleArn, from, limit: '1000', ...(cursor ? { cursor } : {}) });
      const answer = await callApi(api, 'GET', `/v1/audit/events?${query}`).catch((error: unknown) => {
        // Reading the audit is the auditor's role: without it the plan says so and goes on.
        if (error instanceof CliError && error.problem?.status === 403) return undefined;
        throw error;
      });
      if (!answer) return undefined;
      const page = parseBody(auditPage, answer);
      for (const e of page.events) {
        if (e.action !== 'credentials.issue' || e.outcome !== 'issued' || !e.entitlementId) continue;
        if (!wanted.has(e.entitlementId)) continue;
        const callers = seen.get(e.entitlementId) ?? new Map<string, CallerSeen>();
        const entry = callers.get(e.principal) ?? {
          principal: e.principal,
          ...(e.callerName ? { name: e.callerName } : {}),
          issuances: 0,
          last: e.time,
        };
        entry.issuances += 1;
        if (e.time > entry.last) entry.last = e.time;
        callers.set(e.principal, entry);
        seen.set(e.entitlementId, callers);
      }
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < MAX_PAGES);
  }
  return new Map([...seen].map(([id, callers]) => [id, [...callers.values()]]));
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
