import type { Caller } from '../shared/types.js';
import { groupSubject } from '../subjects/subjects.js';

export type PrivilegedRole = 'auditor' | 'admin';

/**
 * Who holds the auditor and admin roles: the identity keys of named people (resolved from
 * the configured `iss#sub` or AWS ARNs by principal-names.ts at start) or members of a group. The roles are separate on purpose: an admin who changes
 * entitlements does not read the audit of their own changes unless also made auditor.
 * A group is `<issuer>#<group>`, or a bare `<group>` of `groupIssuer` (CREDVEND_OIDC_ISSUER):
 * with several issuers, a group name from one must not grant a role meant for another's.
 */
export interface RoleAssignments {
  auditorKeys: readonly string[];
  adminKeys: readonly string[];
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

export function hasRole(
  caller: Pick<Caller, 'identityKey' | 'authMethod' | 'subjectKeys'>,
  role: PrivilegedRole,
  assignments: RoleAssignments,
): boolean {
  const people = role === 'auditor' ? assignments.auditorKeys : assignments.adminKeys;
  const groups = role === 'auditor' ? assignments.auditorGroups : assignments.adminGroups;
  // The identity key, never the principal: a session ARN is a name its caller chose.
  if (people.includes(caller.identityKey)) return true;
  if (caller.authMethod !== 'oidc') return false;
  // The caller's group keys were built from its own issuer's verified groups claim.
  return groups.some((g) => {
    const key = groupKeyOf(g, assignments.groupIssuer);
    return key !== undefined && caller.subjectKeys.includes(key);
  });
}
