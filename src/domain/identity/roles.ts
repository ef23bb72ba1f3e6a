import type { Caller } from '../shared/types.js';
import { groupSubject } from '../subjects/subjects.js';

export type PrivilegedRole = 'auditor' | 'admin';

/**
 * Who holds the auditor and admin roles: named principals (OIDC `iss#sub` or AWS ARNs)
 * or members of a group. The roles are separate on purpose: an admin who changes
 * entitlements does not read the audit of their own changes unless also made auditor.
 * A group is `<issuer>#<group>`, or a bare `<group>` of `groupIssuer` (CREDVEND_OIDC_ISSUER):
 * with several issuers, a group name from one must not grant a role meant for another's.
 */
export interface RoleAssignments {
  auditors: readonly string[];
  admins: readonly string[];
  groupIssuer?: string;
  auditorGroups: readonly string[];
  adminGroups: readonly string[];
}

/** A configured group (`<issuer>#<group>`, or a bare name of `groupIssuer`) as the subject key callers carry. */
export function groupKeyOf(entry: string, groupIssuer: string | undefined): string | undefined {
  const hash = entry.indexOf('#');
  if (hash > 0 && /^https?:\/\//.test(entry))
    return groupSubject(entry.slice(0, hash), entry.slice(hash + 1));
  return groupIssuer === undefined ? undefined : groupSubject(groupIssuer, entry);
}

export function hasRole(caller: Caller, role: PrivilegedRole, assignments: RoleAssignments): boolean {
  const principals = role === 'auditor' ? assignments.auditors : assignments.admins;
  const groups = role === 'auditor' ? assignments.auditorGroups : assignments.adminGroups;
  if (principals.includes(caller.principal)) return true;
  if (caller.authMethod !== 'oidc') return false;
  // The caller's group keys were built from its own issuer's verified groups claim.
  return groups.some((g) => {
    const key = groupKeyOf(g, assignments.groupIssuer);
    return key !== undefined && caller.subjectKeys.includes(key);
  });
}
