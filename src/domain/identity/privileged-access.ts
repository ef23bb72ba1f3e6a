import type { AuditAction, AuditEvent } from '../audit/audit.js';
import { baseAuditEvent } from '../audit/base-event.js';
import type { AuditLog } from '../audit/ports.js';
import type { Clock } from '../shared/clock.js';
import { ForbiddenError } from '../shared/errors.js';
import type { Caller, RequestContext } from '../shared/types.js';
import { hasRole, type PrivilegedRole, type RoleAssignments } from './roles.js';

export interface PrivilegedAccessDependencies {
  audit: AuditLog;
  clock: Clock;
  newEventId: (now: Date) => string;
  assignments: RoleAssignments;
  onAuditFailure?: (error: unknown, event: AuditEvent) => void;
}

/**
 * Guards auditor and admin routes. A refusal is audited (who tried to read the audit or
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
    const error = new ForbiddenError(`this needs the ${role} role`);
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
