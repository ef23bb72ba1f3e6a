import type { Caller } from '../shared/types.js';
import type { ClaimConditions } from '../subjects/claim-rules.js';
import { matchSubject } from '../subjects/match.js';
import { claimRuleSubject, groupSubject } from '../subjects/subjects.js';

export const PRIVILEGED_ROLES = ['auditor', 'admin'] as const;
export type PrivilegedRole = (typeof PRIVILEGED_ROLES)[number];

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
  /** Pipelines that administer one slice each, never more (CREDVEND_ADMIN_SLICES). */
  adminSlices?: readonly AdminSlice[];
}

/**
 * A slice of the access data one pipeline administers (a GitOps repository's apply job):
 * the entitlements and requestable access whose id matches one of `ids` (exact, or a
 * prefix ending in `*`, as a directory's `owns:`) AND whose account is one of `accounts`,
 * before and after every change. Slices live in configuration, so nothing a slice admin
 * can write through the API widens a slice or makes anyone an admin.
 */
export interface AdminSlice {
  name: string;
  /** The OIDC issuer whose tokens the rules below are about (a CI platform's). */
  issuer: string;
  /** Tokens that may change the slice: the apply job (a protected branch, an environment). */
  apply: ClaimConditions;
  /**
   * Tokens that may only read the slice: the plan job of a pull request, whose workflow the
   * pull request itself can edit, so it must never be able to write. Apply tokens read too.
   */
  plan?: ClaimConditions;
  accounts: readonly string[];
  ids: readonly string[];
}

export type AdminMode = 'read' | 'write';

/** What an admin call may touch: everything (the admin role), or only the rows of some slices. */
export type AdminScope = { kind: 'all' } | { kind: 'slices'; slices: readonly AdminSlice[] };

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

/** Whether a verified OIDC token from the slice's issuer satisfies every condition of a rule. */
function holdsRule(
  caller: Pick<Caller, 'authMethod' | 'subjectKeys' | 'claims'>,
  issuer: string,
  rule: ClaimConditions,
) {
  // The rule key is among the subject keys only of a token this issuer's keys verified.
  return (
    caller.authMethod === 'oidc' &&
    matchSubject({ subject: claimRuleSubject(issuer), claimConditions: rule }, caller) !== undefined
  );
}

/**
 * What this caller may administer: all of it with the admin role; otherwise the slices whose
 * apply rule its token satisfies (and, for reading, whose plan rule it does); undefined: nothing.
 */
export function adminScopeOf(
  caller: Pick<Caller, 'identityKey' | 'authMethod' | 'subjectKeys' | 'claims'>,
  assignments: RoleAssignments,
  mode: AdminMode,
): AdminScope | undefined {
  if (hasRole(caller, 'admin', assignments)) return { kind: 'all' };
  const slices = (assignments.adminSlices ?? []).filter(
    (slice) =>
      holdsRule(caller, slice.issuer, slice.apply) ||
      (mode === 'read' && slice.plan !== undefined && holdsRule(caller, slice.issuer, slice.plan)),
  );
  return slices.length > 0 ? { kind: 'slices', slices } : undefined;
}

/**
 * The privileged roles a caller holds, for what it is shown (the portal's navigation, GET
 * /v1/me). Showing is not granting: every privileged route still checks its own role.
 */
export function rolesOf(
  caller: Pick<Caller, 'identityKey' | 'authMethod' | 'subjectKeys'>,
  assignments: RoleAssignments,
): PrivilegedRole[] {
  return PRIVILEGED_ROLES.filter((role) => hasRole(caller, role, assignments));
}

/** A slice as its holder is shown it: its name, and whether their token may change it or only read it. */
export interface SliceHeld {
  name: string;
  write: boolean;
}

/**
 * The admin slices a caller holds, for what it is shown (GET /v1/me, the portal's Admin page):
 * none for an admin, who holds everything. Like rolesOf, showing is not granting.
 */
export function slicesHeldBy(
  caller: Pick<Caller, 'identityKey' | 'authMethod' | 'subjectKeys' | 'claims'>,
  assignments: RoleAssignments,
): SliceHeld[] {
  const scope = adminScopeOf(caller, assignments, 'read');
  if (scope?.kind !== 'slices') return [];
  return scope.slices.map((slice) => ({
    name: slice.name,
    write: holdsRule(caller, slice.issuer, slice.apply),
  }));
}
