import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { MAX_RANGE_DAYS } from '../domain/audit/query.js';
import { InvalidRequestError } from '../domain/shared/errors.js';

/** Where a page stopped: the DynamoDB key to resume from and, for walks over shards, the shard. */
export interface CursorPosition {
  /** The time range of the query that produced the first page. */
  range?: { from: string; to: string };
  /** The position, in its walk order, of the index partition the walk is in. */
  segment?: string;
  key?: Record<string, AttributeValue>;
}

const INVALID = 'cursor is invalid or belongs to another query';

function mac(key: Buffer, payload: string): string {
  return createHmac('sha256', key).update(payload).digest('base64url');
}

/**
 * Opaque cursor: position + a fingerprint of the query it belongs to, MACed (HMAC-SHA-256)
 * with a server key, so only a cursor this server issued is accepted: a forged or edited one
 * — say, one widening its time range past the limits — is a 400. The range it carries is
 * checked again on every page as well.
 */
export function encodeCursor(key: Buffer, queryFingerprint: string, position: CursorPosition): string {
  const payload = Buffer.from(JSON.stringify({ q: queryFingerprint, ...position })).toString('base64url');
  return `${payload}.${mac(key, payload)}`;
}

function macMatches(key: Buffer, payload: string, sum: string): boolean {
  const expected = Buffer.from(mac(key, payload));
  const given = Buffer.from(sum);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The limits a fresh query's range obeys, applied to a cursor's range too. */
function rangeWithinLimits(from: string, to: string): boolean {
  const [start, end] = [Date.parse(from), Date.parse(to)];
  return (
    !Number.isNaN(start) && !Number.isNaN(end) && start <= end && end - start <= MAX_RANGE_DAYS * 86_400_000
  );
}

function isKeyAttribute(value: unknown): value is AttributeValue {
  if (!value || typeof value !== 'object') return false;
  const entries = Object.entries(value);
  return (
    entries.length === 1 &&
    (entries[0]?.[0] === 'S' || entries[0]?.[0] === 'N') &&
    typeof entries[0][1] === 'string'
  );
}

export function decodeCursor(key: Buffer, queryFingerprint: string, cursor: string): CursorPosition {
  if (cursor.length > 4096) throw new InvalidRequestError(INVALID);
  const [payload, sum, extra] = cursor.split('.');
  if (!payload || !sum || extra !== undefined || !macMatches(key, payload, sum))
    throw new InvalidRequestError(INVALID);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidRequestError(INVALID);
  }
  if (!parsed || typeof parsed !== 'object' || !('q' in parsed) || parsed.q !== queryFingerprint) {
    throw new InvalidRequestError(INVALID);
  }
  const position: CursorPosition = {};
  if ('range' in parsed) {
    const range = parsed.range;
    if (
      !range ||
      typeof range !== 'object' ||
      !('from' in range) ||
      !('to' in range) ||
      typeof range.from !== 'string' ||
      typeof range.to !== 'string' ||
      !rangeWithinLimits(range.from, range.to)
    ) {
      throw new InvalidRequestError(INVALID);
    }
    position.range = { from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() };
  }
  if ('segment' in parsed) {
    if (typeof parsed.segment !== 'string' || !/^\d{1,3}$/.test(parsed.segment))
      throw new InvalidRequestError(INVALID);
    position.segment = parsed.segment;
  }
  if ('key' in parsed) {
    const key = parsed.key;
    if (!key || typeof key !== 'object' || Object.keys(key).length > 4)
      throw new InvalidRequestError(INVALID);
    const checked: Record<string, AttributeValue> = {};
    for (const [name, value] of Object.entries(key)) {
      if (!isKeyAttribute(value)) throw new InvalidRequestError(INVALID);
      checked[name] = value;
    }
    position.key = checked;
  }
  return position;
}
