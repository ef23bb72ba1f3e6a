import { canonicalJson } from '../audit/chain.js';

/** Instants as ISO strings and absent optionals dropped, so equal content serialises equally. */
function plain(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

/**
 * Whether a stored admin-managed record (entitlement, requestable access) already holds
 * exactly what a write would store: everything but its version compared. A write of the
 * same content then changes nothing and makes no new version, so an access-as-code apply
 * is idempotent.
 */
export function sameContent<T extends { version: number }>(stored: T, input: Omit<T, 'version'>): boolean {
  const { version: _version, ...content } = stored;
  return canonicalJson(plain(content)) === canonicalJson(plain(input));
}
