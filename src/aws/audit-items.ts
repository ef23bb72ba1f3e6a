import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { ChainedAuditEvent } from '../domain/audit/audit.js';
import { AUDIT_FIELDS, type FieldKind } from '../domain/audit/fields.js';
import { auditEventWire } from '../wire/audit.js';
import {
  type Item,
  MalformedItemError,
  num,
  readOptionalNumber,
  readOptionalString,
  readStringMap,
  str,
  strMap,
} from './attribute-values.js';
import { timeShardOf } from './audit-shards.js';

type Field = keyof ChainedAuditEvent;

/**
 * The lean layout (issue 25): an item under 1 KB (one write unit) with one index entry.
 * Fields `byTime` projects, so that filters read the index alone, are attributes of their own
 * under short names: names no retired index is keyed on, so a new record adds no entry to
 * byPrincipal, byAccount, byRole, byAccessKey, byChain or byOutcomeShard.
 */
export const SHORT_NAMES = {
  principal: 'p',
  accountId: 'a',
  roleArn: 'r',
  accessKeyId: 'k',
  chainId: 'c',
} as const satisfies Partial<Record<Field, string>>;
const SHORT_NAME_OF: Partial<Record<Field, string>> = SHORT_NAMES;

/** Fields kept under their own name: the table key, index keys and what the indexes project. */
const PLAIN: ReadonlySet<Field> = new Set<Field>(['eventId', 'time', 'seq', 'hash', 'action', 'outcome']);

/**
 * Fields kept plain on some records only, for the sparse indexes: `accessRequestId` (byAccessRequest,
 * just-in-time records) and, on revocations, `roleArn` and `sourceIdentity` (byRole, which the
 * issuance path's revocation check reads).
 */
function keptPlain(name: Field, event: ChainedAuditEvent): boolean {
  if (name === 'accessRequestId') return true;
  return event.action === 'audit.revoke' && (name === 'roleArn' || name === 'sourceIdentity');
}

/** The attribute holding every other field, compressed: `PACK_VERSION` then raw deflate. */
export const PACKED = 'z';
const PACK_VERSION = 1;
/**
 * The preset dictionary of pack version 1: names and values every record repeats, so that
 * deflate has something to refer back to in a few hundred bytes. Frozen: a change needs a new
 * version, or stored records would no longer inflate.
 */
const DICTIONARY_V1 = Buffer.from(
  '{"authMethod":"oidc","aws-sigv4","slack","requestId":"","callerSessionName":"","callerName":"",' +
    '"entitlementId":"","matchedSubject":"exact: ","claim-rule: ","group: ","sessionName":"credvend-",' +
    '"sourceIdentity":"cv-","durationSeconds":3600,"expiration":"T00:00:00.000Z","assumedRoleArn":' +
    '"arn:aws:sts::assumed-role/","packedPolicySize":0,"sessionPolicyChars":,"sessionTags":{"credvend:",' +
    '"reason":"","sourceIp":"","userAgent":"Mozilla/5.0 aws-cli/ aws-sdk-js/ credvend/ node/ Python/",' +
    '"problemCode":"","detail":"","stsRequestId":"","relatedEventId":"","change":"","slackUserId":"",' +
    '"prevHash":"0000000000000000","day":"20"}',
);

function pack(fields: Record<string, unknown>): Uint8Array {
  const body = deflateRawSync(Buffer.from(JSON.stringify(fields)), { dictionary: DICTIONARY_V1, level: 9 });
  return Buffer.concat([Buffer.from([PACK_VERSION]), body]);
}

/** The fields an item holds packed (none for a record written before the lean layout). */
export function packedFields(item: Item): Record<string, unknown> {
  const bytes = item[PACKED]?.B;
  return bytes ? unpack(bytes) : {};
}

function unpack(bytes: Uint8Array): Record<string, unknown> {
  if (bytes[0] !== PACK_VERSION) throw new MalformedItemError(`attribute ${PACKED}: unknown pack version`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(inflateRawSync(bytes.subarray(1), { dictionary: DICTIONARY_V1 }).toString('utf8'));
  } catch {
    throw new MalformedItemError(`attribute ${PACKED}: not a packed record`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new MalformedItemError(`attribute ${PACKED}: not a packed record`);
  return Object.fromEntries(Object.entries(parsed));
}

function attributeOf(value: string | number | Readonly<Record<string, string>>): AttributeValue {
  if (typeof value === 'string') return str(value);
  if (typeof value === 'number') return num(value);
  return strMap(value);
}

/** The table's TTL attribute (epoch seconds): set on records written with a hot window. */
export const EXPIRES_AT = 'expiresAt';

/** How long a record stays in the table before TTL removes it (its export keeps it: domain/audit/export.ts). */
export interface AuditRetention {
  hotDays: number;
}

/**
 * The audit table as a writer of records sees it: its name and, with a hot window, the TTL
 * every record written to it gets, whichever write carries it (an issuance's PutItem or an
 * admin change's transaction): each is exported before then (domain/audit/export.ts).
 */
export interface AuditTable {
  name: string;
  retention?: AuditRetention;
}

/** The TTL of a record: its time plus the hot window, in epoch seconds. */
export function expiryOf(time: string, retention: AuditRetention): number {
  return Math.floor(Date.parse(time) / 1000) + retention.hotDays * 86_400;
}

/**
 * The item of a record: every field of the table (domain/audit/fields.ts), placed as above,
 * and with a hot window its TTL, on the item the write makes anyway (no extra write unit).
 */
export function auditEventToItem(event: ChainedAuditEvent, retention?: AuditRetention): Item {
  // Not part of the record (nor of its hash): the partition of the record in `byTime`, its TTL.
  const item: Item = { ts: str(timeShardOf(event)) };
  if (retention) item[EXPIRES_AT] = num(expiryOf(event.time, retention));
  const packed: Record<string, unknown> = {};
  for (const [name, , presence] of AUDIT_FIELDS) {
    const value = event[name];
    // Empty strings are dropped (and never hashed): DynamoDB rejects them in index key attributes.
    if (value === undefined || (presence === 'optional' && value === '')) continue;
    // The day is the time's: stored only should a record ever say otherwise.
    if (name === 'day' && value === event.time.slice(0, 10)) continue;
    const short = SHORT_NAME_OF[name];
    if (short) item[short] = attributeOf(value);
    if (PLAIN.has(name) || keptPlain(name, event)) item[name] = attributeOf(value);
    else if (!short) packed[name] = value;
  }
  item[PACKED] = { B: pack(packed) };
  return item;
}

function readAttribute(item: Item, name: string, kind: FieldKind): unknown {
  if (item[name] === undefined) return undefined;
  if (kind === 'map') return readStringMap(item, name);
  if (kind === 'integer' || kind === 'number') return readOptionalNumber(item, name);
  return readOptionalString(item, name);
}

/** Where a field of a stored record is: its own name (records before the lean layout), its short name, or the pack. */
function readField(item: Item, packed: Record<string, unknown>, name: Field, kind: FieldKind): unknown {
  const plain = readAttribute(item, name, kind);
  if (plain !== undefined) return plain;
  const short = SHORT_NAME_OF[name];
  if (short) return readAttribute(item, short, kind);
  return packed[name];
}

/**
 * The record of an item (either layout), checked by the same schema that the API answers
 * with: an item this code did not write (an unknown action or auth method, a field of the
 * wrong type) is a MalformedItemError naming what is wrong, never a guess.
 */
export function itemToAuditEvent(item: Item): ChainedAuditEvent {
  const packed = packedFields(item);
  const fields: Record<string, unknown> = {};
  for (const [name, kind] of AUDIT_FIELDS) {
    const value = readField(item, packed, name, kind);
    if (value !== undefined) fields[name] = value;
  }
  if (fields.day === undefined && typeof fields.time === 'string') fields.day = fields.time.slice(0, 10);
  const parsed = auditEventWire.safeParse(fields);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || '(item)';
    throw new MalformedItemError(`attribute ${where}: ${issue?.message ?? 'unexpected shape'}`);
  }
  return parsed.data;
}
