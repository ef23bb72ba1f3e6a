import { ForbiddenError } from './errors.js';
import type { Caller } from './types.js';

export type PrivilegedRole = 'auditor' | 'admin';

/**
 * Who holds the auditor and admin roles: named principals (OIDC `iss#sub` or AWS ARNs)
 * or members of a group claim. The roles are separate on purpose: an admin who changes
 * entitlements does not read the audit of their own changes unless also made auditor.
 */
export interface RoleAssignments {
  auditors: readonly string[];
  admins: readonly string[];
  groupsClaim: string;
  auditorGroups: readonly string[];
  adminGroups: readonly string[];
}

function groupsOf(caller: Caller, claim: string): string[] {
  const value = caller.claims[claim];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === 'string');
  return [];
}

export function hasRole(caller: Caller, role: PrivilegedRole, assignments: RoleAssignments): boolean {
  const principals = role === 'auditor' ? assignments.auditors : assignments.admins;
  const groups = role === 'auditor' ? assignments.auditorGroups : assignments.adminGroups;
  if (principals.includes(caller.principal)) return true;
  if (caller.authMethod !== 'oidc') return false;
  return groupsOf(caller, assignments.groupsClaim).some((g) => groups.includes(g));
}

export function requireRole(caller: Caller, role: PrivilegedRole, assignments: RoleAssignments): void {
  if (!hasRole(caller, role, assignments)) throw new ForbiddenError(`this needs the ${role} role`);
}
