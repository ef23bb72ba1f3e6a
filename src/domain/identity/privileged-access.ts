import { describeScope, type ScopedRow, scopeCovers } from '../admin/admin-scope.js';
import type { AuditAction, AuditEvent } from '../audit/audit.js';
import { baseAuditEvent } from '../audit/base-event.js';
import type { AuditLog } from '../audit/ports.js';
import type { Clock } from '../shared/clock.js';
import { ForbiddenError } from '../shared/errors.js';
import type { Caller, RequestContext } from '../shared/types.js';
import {
  type AdminMode,
  type AdminScope,
  adminScopeOf,
  hasRole,
  type PrivilegedRole,
  type RoleAssignments,
} from './roles.js';

export interface PrivilegedAccessDependencies {
  audit: AuditLog;
  clock: Clock;
  newEventId: (now: Date) => string;
  assignments: RoleAssignments;
  onAuditFailure?: (error: unknown, event: AuditEvent) => void;
}

/**
 * Guards auditor and admin routes, and the slices of pipelines that administer only their
 * own rows (roles.ts: AdminSlice). A refusal is audited (who tried to read the audit or
 * change entitlements is itself audit-worthy) before the 403 is returned.
 */
export class PrivilegedAccess {
  constructor(private readonly deps: PrivilegedAccessDependencies) {}

  async require(
    caller: Caller,
    role: PrivilegedRole,
    action: AuditAction,
    context: RequestContext,
  ): Promise<void> {
    if (hasRole(caller, role, this.deps.assignments)) return;
    await this.refuse(caller, action, context, new ForbiddenError(`this needs the ${role} role`));
  }

  /**
   * Admin calls a slice admin may also make (the rows of entitlements and requestable
   * access): the caller's scope, everything for an admin, else its slices; refused (and
   * audited) when it has neither. Each row is then judged by requireCovered.
   */
  async requireAdminScope(
    caller: Caller,
    mode: AdminMode,
    action: AuditAction,
    context: RequestContext,
  ): Promise<AdminScope> {
    const scope = adminScopeOf(caller, this.deps.assignments, mode);
    if (scope) return scope;
    // Where no slice is configured the refusal reads as it always did.
    const slices = (this.deps.assignments.adminSlices ?? []).length > 0;
    const or = !slices ? '' : mode === 'read' ? ' or an admin slice' : " or an admin slice's apply rule";
    return this.refuse(caller, action, context, new ForbiddenError(`this needs the admin role${or}`));
  }

  /** Refuses (and audits) a call touching any row outside the scope, before anything is written. */
  async requireCovered(
    caller: Caller,
    scope: AdminScope,
    rows: readonly ScopedRow[],
    action: AuditAction,
    context: RequestContext,
  ): Promise<void> {
    const outside = rows.find((row) => !scopeCovers(scope, row));
    if (!outside) return;
    const where = outside.accountId === undefined ? '' : ` in account ${outside.accountId}`;
    const error = new ForbiddenError(`${outside.id}${where} is outside ${describeScope(scope)}`);
    await this.refuse(caller, action, context, error);
  }

  private async refuse(
    caller: Caller,
    action: AuditAction,
    context: RequestContext,
    error: ForbiddenError,
  ): Promise<never> {
    const now = this.deps.clock.now();
    const event: AuditEvent = {
      ...baseAuditEvent(
        { eventId: this.deps.newEventId(now), now },
        { action, outcome: 'denied' },
        caller,
        context,
      ),
      problemCode: error.code,
      detail: error.message,
    };
    try {
      await this.deps.audit.append(event);
    } catch (auditError) {
      this.deps.onAuditFailure?.(auditError, event);
    }
    throw error;
  }
}
