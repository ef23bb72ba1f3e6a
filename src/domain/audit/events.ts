import type { ChainedAuditEvent } from './audit.js';
import { OPTIONAL_AUDIT_FIELDS, type OptionalAuditField } from './fields.js';

/** Bumped on any change a consumer could notice; consumers match `detail.schemaVersion`. */
export const AUDIT_EVENT_SCHEMA_VERSION = '1';

/** Irregular past tenses of action verbs; the rest take -ed / -d / -ied. */
const PAST: Record<string, string> = { put: 'put', read: 'read', withheld: 'withheld' };

function pastTense(verb: string): string {
  const irregular = PAST[verb];
  if (irregular) return irregular;
  if (verb.endsWith('e')) return `${verb}d`;
  if (/[^aeiou]y$/.test(verb)) return `${verb.slice(0, -1)}ied`;
  return `${verb}ed`;
}

/**
 * The EventBridge `detail-type` of a record: `credvend.<noun>.<verb in the past>` when it
 * took effect (`credvend.credentials.issued`, `credvend.access-request.approved`),
 * `<verb>-denied` / `<verb>-failed` otherwise (`credvend.credentials.issue-denied`).
 */
export function auditDetailType(event: Pick<ChainedAuditEvent, 'action' | 'outcome'>): string {
  // A withheld issuance is recorded as an error, but the record itself is the news.
  if (event.action === 'credentials.withheld') return 'credvend.credentials.withheld';
  const dot = event.action.lastIndexOf('.');
  const noun = event.action.slice(0, dot);
  const verb = event.action.slice(dot + 1);
  switch (event.outcome) {
    case 'denied':
      return `credvend.${noun}.${verb}-denied`;
    case 'error':
      return `credvend.${noun}.${verb}-failed`;
    default:
      return `credvend.${noun}.${pastTense(verb)}`;
  }
}

/**
 * Fields of schema version 1 that the event stream leaves out: the request id and the Slack
 * user arrived after it, and adding them is a schema change (audit-event-schema.ts is strict).
 */
const UNPUBLISHED = ['accessRequestId', 'slackUserId'] as const;
type PublishedField =
  | 'eventId'
  | 'time'
  | 'action'
  | 'outcome'
  | 'requestId'
  | 'principal'
  | 'authMethod'
  | Exclude<OptionalAuditField, (typeof UNPUBLISHED)[number]>;

/** The fields an event carries, by allow-list: an audit record holds no secret, and nothing new is added. */
const DETAIL_FIELDS: readonly PublishedField[] = [
  'eventId',
  'time',
  'action',
  'outcome',
  'requestId',
  'principal',
  'authMethod',
  ...Object.keys(OPTIONAL_AUDIT_FIELDS).filter(
    (field): field is Exclude<OptionalAuditField, (typeof UNPUBLISHED)[number]> =>
      field in OPTIONAL_AUDIT_FIELDS && UNPUBLISHED.every((unpublished) => unpublished !== field),
  ),
];

export type AuditEventDetail = {
  schemaVersion: string;
  chain: { chainId: string; seq: number; hash: string };
} & Partial<Pick<ChainedAuditEvent, PublishedField>>;

/** `detail` of the event for one record (schema: docs/guides/audit.md, "Event stream"). */
export function auditEventDetail(record: ChainedAuditEvent): AuditEventDetail {
  const detail: AuditEventDetail = {
    schemaVersion: AUDIT_EVENT_SCHEMA_VERSION,
    chain: { chainId: record.chainId, seq: record.seq, hash: record.hash },
  };
  for (const field of DETAIL_FIELDS) {
    if (record[field] !== undefined) Object.assign(detail, { [field]: record[field] });
  }
  return detail;
}
