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
import { outcomeShardOf } from './audit-shards.js';

function attributeOf(value: string | number | Readonly<Record<string, string>>): AttributeValue {
  if (typeof value === 'string') return str(value);
  if (typeof value === 'number') return num(value);
  return strMap(value);
}

/** The item of a record: every field of the table (domain/audit/fields.ts), as its kind is stored. */
export function auditEventToItem(event: ChainedAuditEvent): Item {
  const item: Item = {
    // Not part of the record (nor of its hash): the key that spreads it over the time index.
    outcomeShard: str(outcomeShardOf(event.outcome, event.eventId)),
  };
  for (const [name, , presence] of AUDIT_FIELDS) {
    const value = event[name];
    // Empty strings are dropped (and never hashed): DynamoDB rejects them in index key attributes.
    if (value === undefined || (presence === 'optional' && value === '')) continue;
    item[name] = attributeOf(value);
  }
  return item;
}

function readAttribute(item: Item, name: string, kind: FieldKind): unknown {
  if (item[name] === undefined) return undefined;
  if (kind === 'map') return readStringMap(item, name);
  if (kind === 'integer' || kind === 'number') return readOptionalNumber(item, name);
  return readOptionalString(item, name);
}

/**
 * The record of an item, checked by the same schema that the API answers with: an item
 * this code did not write (an unknown action or auth method, a field of the wrong type) is a
 * MalformedItemError naming what is wrong, never a guess.
 */
export function itemToAuditEvent(item: Item): ChainedAuditEvent {
  const fields: Record<string, unknown> = {};
  for (const [name, kind] of AUDIT_FIELDS) {
    const value = readAttribute(item, name, kind);
    if (value !== undefined) fields[name] = value;
  }
  const parsed = auditEventWire.safeParse(fields);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || '(item)';
    throw new MalformedItemError(`attribute ${where}: ${issue?.message ?? 'unexpected shape'}`);
  }
  return parsed.data;
}
