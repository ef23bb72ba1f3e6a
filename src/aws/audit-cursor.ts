import { createHmac, timingSafeEqual } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { EntryKey, MergePosition } from '../domain/audit/merged-pages.js';
import { MAX_RANGE_DAYS } from '../domain/audit/query.js';
import { InvalidRequestError } from '../domain/shared/errors.js';

/** Where a page stopped: the first page's time range and the merge's place in every partition. */
export interface CursorPosition {
  range: { from: string; to: string };
  merge: MergePosition;
}

const INVALID = 'cursor is invalid or belongs to another query';
/** The wire limit of a cursor (wire/audit.ts); 64 partitions' positions fit deflated. */
const MAX_CURSOR_LENGTH = 4096;
const MAX_PAYLOAD_BYTES = 65_536;

function mac(key: Buffer, payload: string): string {
  return createHmac('sha256', key).update(payload).digest('base64url');
}

type KeyTuple = [string, string];
const tuple = (k: EntryKey): KeyTuple => [k.time, k.eventId];

/**
 * Opaque cursor: position + a fingerprint of the query it belongs to, deflated and MACed
 * (HMAC-SHA-256) with a server key, so only a cursor this server issued is accepted (and only
 * such a cursor is ever inflated): a forged or edited one — say, one widening its time range
 * past the limits — is a 400. The range it carries is checked again on every page as well.
 */
export function encodeCursor(key: Buffer, queryFingerprint: string, position: CursorPosition): string {
  const { merge } = position;
  const compact = {
    q: queryFingerprint,
    r: [position.range.from, position.range.to],
    ...(merge.after ? { a: tuple(merge.after) } : {}),
    d: merge.done,
    t: merge.at.map(({ partition, key: k }) => [partition, ...tuple(k)]),
  };
  const payload = deflateRawSync(Buffer.from(JSON.stringify(compact)), { level: 9 }).toString('base64url');
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

const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 64;
const isPartition = (v: unknown): v is number =>
  Number.isInteger(v) && typeof v === 'number' && v >= 0 && v < 4096;

function keyOf(value: unknown): EntryKey {
  if (!Array.isArray(value) || value.length !== 2 || !isText(value[0]) || !isText(value[1]))
    throw new InvalidRequestError(INVALID);
  return { time: value[0], eventId: value[1] };
}

function mergeOf(parsed: object): MergePosition {
  const done = 'd' in parsed ? parsed.d : undefined;
  const stopped = 't' in parsed ? parsed.t : undefined;
  if (!Array.isArray(done) || !done.every(isPartition) || !Array.isArray(stopped))
    throw new InvalidRequestError(INVALID);
  const at = stopped.map((entry: unknown) => {
    if (!Array.isArray(entry) || entry.length !== 3 || !isPartition(entry[0]))
      throw new InvalidRequestError(INVALID);
    return { partition: entry[0], key: keyOf(entry.slice(1)) };
  });
  const merge: MergePosition = { done, at };
  if ('a' in parsed) merge.after = keyOf(parsed.a);
  return merge;
}

function payloadOf(payload: string): unknown {
  try {
    const json = inflateRawSync(Buffer.from(payload, 'base64url'), { maxOutputLength: MAX_PAYLOAD_BYTES });
    return JSON.parse(json.toString('utf8'));
  } catch {
    throw new InvalidRequestError(INVALID);
  }
}

export function decodeCursor(key: Buffer, queryFingerprint: string, cursor: string): CursorPosition {
  if (cursor.length > MAX_CURSOR_LENGTH) throw new InvalidRequestError(INVALID);
  const [payload, sum, extra] = cursor.split('.');
  if (!payload || !sum || extra !== undefined || !macMatches(key, payload, sum))
    throw new InvalidRequestError(INVALID);
  const parsed = payloadOf(payload);
  if (!parsed || typeof parsed !== 'object' || !('q' in parsed) || parsed.q !== queryFingerprint)
    throw new InvalidRequestError(INVALID);
  const range = 'r' in parsed ? parsed.r : undefined;
  if (
    !Array.isArray(range) ||
    range.length !== 2 ||
    typeof range[0] !== 'string' ||
    typeof range[1] !== 'string' ||
    !rangeWithinLimits(range[0], range[1])
  )
    throw new InvalidRequestError(INVALID);
  return {
    range: { from: new Date(range[0]).toISOString(), to: new Date(range[1]).toISOString() },
    merge: mergeOf(parsed),
  };
}
