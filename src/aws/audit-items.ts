import type { AuditAction, AuditOutcome, ChainedAuditEvent } from '../domain/audit/audit.js';
import { optionalAuditFields } from '../domain/audit/fields.js';
import type { AuthMethod } from '../domain/shared/types.js';
import {
  type Item,
  MalformedItemError,
  num,
  readNumber,
  readOptionalNumber,
  readOptionalString,
  readString,
  readStringMap,
  str,
  strMap,
} from './attribute-values.js';
import { outcomeShardOf } from './audit-shards.js';

const OUTCOMES: readonly AuditOutcome[] = ['issued', 'applied', 'denied', 'error'];
const ACTIONS: readonly AuditAction[] = [
  'credentials.issue',
  'credentials.withheld',
  'credentials.replay',
  'entitlement.read',
  'entitlement.put',
  'entitlement.delete',
  'audit.read',
  'audit.revoke',
  'access-request.create',
  'access-request.approve',
  'access-request.deny',
  'access-request.cancel',
  'access-request.revoke',
  'access-request.review',
  'access-request.read',
  'access-request.notify',
  'requestable.put',
  'requestable.delete',
];
const AUTH_METHODS: readonly AuthMethod[] = ['oidc', 'aws-sigv4', 'apigw-iam', 'slack'];

const OPTIONAL_STRINGS = optionalAuditFields('string');
const OPTIONAL_NUMBERS = optionalAuditFields('number');

function oneOf<T extends string>(allowed: readonly T[], value: string, name: string): T {
  const match = allowed.find((candidate) => candidate === value);
  if (match === undefined) throw new MalformedItemError(`attribute ${name} has unexpected value ${value}`);
  return match;
}

export function auditEventToItem(event: ChainedAuditEvent): Item {
  const item: Item = {
    eventId: str(event.eventId),
    time: str(event.time),
    day: str(event.day),
    action: str(event.action),
    outcome: str(event.outcome),
    // Not part of the record (nor of its hash): the key that spreads it over the time index.
    outcomeShard: str(outcomeShardOf(event.outcome, event.eventId)),
    requestId: str(event.requestId),
    principal: str(event.principal),
    authMethod: str(event.authMethod),
    chainId: str(event.chainId),
    seq: num(event.seq),
    prevHash: str(event.prevHash),
    hash: str(event.hash),
  };
  for (const name of OPTIONAL_STRINGS) {
    const value = event[name];
    // Empty strings are dropped: DynamoDB rejects them in index key attributes.
    if (value !== undefined && value !== '') item[name] = str(value);
  }
  for (const name of OPTIONAL_NUMBERS) {
    const value = event[name];
    if (value !== undefined) item[name] = num(value);
  }
  if (event.sessionTags !== undefined) item.sessionTags = strMap(event.sessionTags);
  return item;
}

export function itemToAuditEvent(item: Item): ChainedAuditEvent {
  const event: ChainedAuditEvent = {
    eventId: readString(item, 'eventId'),
    time: readString(item, 'time'),
    day: readString(item, 'day'),
    action: oneOf(ACTIONS, readString(item, 'action'), 'action'),
    outcome: oneOf(OUTCOMES, readString(item, 'outcome'), 'outcome'),
    requestId: readString(item, 'requestId'),
    principal: readString(item, 'principal'),
    authMethod: oneOf(AUTH_METHODS, readString(item, 'authMethod'), 'authMethod'),
    chainId: readString(item, 'chainId'),
    seq: readNumber(item, 'seq'),
    prevHash: readString(item, 'prevHash'),
    hash: readString(item, 'hash'),
  };
  for (const name of OPTIONAL_STRINGS) {
    const value = readOptionalString(item, name);
    if (value !== undefined) event[name] = value;
  }
  for (const name of OPTIONAL_NUMBERS) {
    const value = readOptionalNumber(item, name);
    if (value !== undefined) event[name] = value;
  }
  if (item.sessionTags !== undefined) event.sessionTags = readStringMap(item, 'sessionTags');
  return event;
}
