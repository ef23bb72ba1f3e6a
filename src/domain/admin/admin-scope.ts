import { owned } from '../access-code/ownership.js';
import type { AdminSlice } from '../identity/roles.js';

/**
 * What a scope covers, without who holds it: an AdminScope, or its bounds as
 * GET /v1/admin/scope tells a client (the CLI checks a whole apply before its first write).
 */
export type ScopeBounds =
  | { kind: 'all' }
  | { kind: 'slices'; slices: ReadonlyArray<Pick<AdminSlice, 'name' | 'accounts' | 'ids'>> };

/**
 * A row an admin call reads or writes, as a slice judges it: its id and, once known, its
 * account. An id alone is judged before anything is read, so a slice admin learns nothing
 * about rows outside its slice, not even whether they exist.
 */
export interface ScopedRow {
  id: string;
  accountId?: string;
}

function sliceCovers(slice: Pick<AdminSlice, 'accounts' | 'ids'>, row: ScopedRow): boolean {
  // owned() never matches a just-in-time grant's row: grants belong to their lifecycle.
  if (!owned(row.id, slice.ids)) return false;
  return row.accountId === undefined || slice.accounts.includes(row.accountId);
}

/** Whether the scope covers the row: one of its slices covers both its id and its account. */
export function scopeCovers(scope: ScopeBounds, row: ScopedRow): boolean {
  return scope.kind === 'all' || scope.slices.some((slice) => sliceCovers(slice, row));
}

/** The rows of a list the scope covers: an admin sees all, a slice admin only its own. */
export function withinScope<T extends { id: string; accountId: string }>(
  scope: ScopeBounds,
  rows: readonly T[],
): T[] {
  return rows.filter((row) => scopeCovers(scope, row));
}

/** The scope in words, for a refusal: which slices, what they cover. */
export function describeScope(scope: ScopeBounds): string {
  if (scope.kind === 'all') return 'everything';
  return scope.slices
    .map((s) => `slice ${s.name} (ids ${s.ids.join(', ')} in accounts ${s.accounts.join(', ')})`)
    .join('; ');
}
