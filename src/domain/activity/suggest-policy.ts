import type { ChainedAuditEvent } from '../audit/audit.js';
import type { AuditReader } from '../audit/query.js';
import { readAuditWindow } from '../audit/window.js';
import type { PolicyDocument, PolicyStatement } from '../policy/document.js';
import { narrowPolicy } from '../policy/policy.js';
import { PolicyNotNarrowingError } from '../shared/errors.js';
import { mapLimited } from '../shared/map-limited.js';
import type { Entitlement } from '../shared/types.js';
import { activityOfIssuance } from './activity.js';
import type { ActivityRecord } from './cloudtrail.js';
import type { ActivityReader } from './ports.js';

/** The most recent issuances a suggestion reads; older ones are left out, and it says so. */
export const SUGGESTION_ISSUANCE_LIMIT = 200;

/**
 * CloudTrail's service names and event names are mostly the IAM action's, not always: these
 * are the differences credvend knows. An action it does not know is kept as CloudTrail names
 * it, and the narrowing check below is what proves the result, not this table.
 */
const SERVICE_PREFIX: Readonly<Record<string, string>> = { monitoring: 'cloudwatch' };
const ACTION_OF_EVENT: Readonly<Record<string, string>> = {
  's3:ListBuckets': 's3:ListAllMyBuckets',
  's3:ListObjects': 's3:ListBucket',
  's3:ListObjectsV2': 's3:ListBucket',
  's3:HeadBucket': 's3:ListBucket',
  's3:HeadObject': 's3:GetObject',
  's3:ListObjectVersions': 's3:ListBucketVersions',
};
/** Lambda's events carry the API version: `UpdateFunctionCode20150331v2` is `UpdateFunctionCode`. */
const API_VERSION_SUFFIX = /\d{8}(?:v\d+)?$/;
/** A refused call shows what was tried, not what the session needs and was allowed. */
const REFUSED = /AccessDenied|Unauthorized|Forbidden/i;

export function iamActionOf(record: Pick<ActivityRecord, 'service' | 'action'>): string {
  const service = SERVICE_PREFIX[record.service] ?? record.service;
  const action = `${service}:${record.action.replace(API_VERSION_SUFFIX, '')}`;
  return ACTION_OF_EVENT[action] ?? action;
}

export interface PolicySuggestion {
  /** The session policy that allows exactly the calls seen; absent when no call was seen. */
  policy?: PolicyDocument;
  /** Whether credvend's own narrowing check (the one issuance runs) accepts it under the ceiling. */
  narrows: boolean;
  /** Why it was not accepted, when it was not. */
  reason?: string;
  issuancesRead: number;
  /** More issuances fell in the window than were read. */
  truncated: boolean;
  callsRead: number;
}

/**
 * Statements grouped by resource set: each action with the resources its calls named, `*`
 * for calls that named none (CloudTrail names resources for data events and some others).
 */
function statementsOf(records: readonly ActivityRecord[]): PolicyStatement[] {
  const resourcesByAction = new Map<string, Set<string>>();
  for (const record of records) {
    const action = iamActionOf(record);
    const resources = resourcesByAction.get(action) ?? new Set<string>();
    for (const resource of record.resources.length > 0 ? record.resources : ['*']) resources.add(resource);
    resourcesByAction.set(action, resources);
  }
  const statements = new Map<string, { actions: string[]; resources: string[] }>();
  for (const [action, seen] of resourcesByAction) {
    const resources = seen.has('*') ? ['*'] : [...seen].sort();
    const key = resources.join('\n');
    const statement = statements.get(key) ?? { actions: [], resources };
    statement.actions.push(action);
    statements.set(key, statement);
  }
  return [...statements.values()]
    .map(({ actions, resources }) => ({
      Effect: 'Allow' as const,
      Action: actions.sort(),
      Resource: resources,
    }))
    .sort((a, b) => (a.Action[0] ?? '').localeCompare(b.Action[0] ?? ''));
}

/** Audit pages of the role's records a suggestion reads: past them it says it is partial. */
export const SUGGESTION_AUDIT_PAGES = 20;
/** Activity lookups in flight at once (two queries each on the activity table). */
const LOOKUP_CONCURRENCY = 8;

/**
 * The entitlement's issuances between two instants, newest first: its role's audit partition,
 * read until the suggestion has all it reads or the page budget is spent.
 */
export async function issuancesOfEntitlement(
  reader: AuditReader,
  entitlement: Pick<Entitlement, 'id' | 'roleArn'>,
  from: Date,
  to: Date,
): Promise<{ issuances: ChainedAuditEvent[]; complete: boolean }> {
  const window = await readAuditWindow(
    reader,
    { filter: { by: 'roleArn', value: entitlement.roleArn }, from: from.toISOString(), to: to.toISOString() },
    {
      maxPages: SUGGESTION_AUDIT_PAGES,
      wanted: SUGGESTION_ISSUANCE_LIMIT + 1,
      keep: (e) =>
        e.action === 'credentials.issue' && e.outcome === 'issued' && e.entitlementId === entitlement.id,
    },
  );
  return { issuances: window.events, complete: window.complete };
}

/**
 * A narrower session policy for an entitlement, from what its sessions did: the calls made
 * with its issued keys that AWS allowed (refused calls and calls down a role chain, which
 * another role's permissions allowed, are left out). It is then put through the same
 * narrowing check an issuance's session policy goes through, so a suggestion credvend
 * could not issue is reported as such, with the reason, never offered as if it narrowed.
 */
export async function suggestPolicy(
  entitlement: Entitlement,
  found: { issuances: readonly ChainedAuditEvent[]; complete: boolean },
  activity: ActivityReader,
): Promise<PolicySuggestion> {
  const read = found.issuances.slice(0, SUGGESTION_ISSUANCE_LIMIT);
  const each = await mapLimited(read, LOOKUP_CONCURRENCY, (issuance) =>
    activityOfIssuance(activity, issuance),
  );
  const calls = each
    .flatMap((a) => a.records)
    .filter((r) => r.attribution === 'session' && !(r.errorCode && REFUSED.test(r.errorCode)));
  const counts = {
    issuancesRead: read.length,
    truncated: !found.complete || found.issuances.length > read.length || each.some((a) => a.truncated),
    callsRead: calls.length,
  };
  if (calls.length === 0) return { narrows: false, reason: 'no allowed call was recorded', ...counts };
  const policy: PolicyDocument = { Version: '2012-10-17', Statement: statementsOf(calls) };
  try {
    narrowPolicy(
      { inline: entitlement.sessionPolicy, managedPolicyArns: entitlement.managedPolicyArns },
      policy,
    );
    return { policy, narrows: true, ...counts };
  } catch (error) {
    if (!(error instanceof PolicyNotNarrowingError)) throw error;
    return { policy, narrows: false, reason: error.message, ...counts };
  }
}
