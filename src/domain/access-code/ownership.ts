import { grantEntitlementId } from '../access-requests/lifecycle.js';

/** Entitlements written by just-in-time grants: the grant's lifecycle owns them, never a directory. */
export function isGrantRow(id: string): boolean {
  return id.startsWith(grantEntitlementId(''));
}

/** An ownership pattern: an exact id, or a prefix ending in one `*` (`*` alone: everything). */
export const OWNERSHIP_PATTERN = /^[\w.:@+=-]{0,128}\*?$/;

/** Whether a directory claiming `owns` owns the row `id` (a grant's row never). */
export function owned(id: string, owns: readonly string[]): boolean {
  if (isGrantRow(id)) return false;
  return owns.some((pattern) =>
    pattern.endsWith('*') ? id.startsWith(pattern.slice(0, -1)) : id === pattern,
  );
}
