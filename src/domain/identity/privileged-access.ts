import type { AuditAction, AuditEvent } from '../audit/audit.js';
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
      eventId: this.deps.newEventId(now),
      time: now.toISOString(),
      action,
      outcome: 'denied',
      requestId: context.requestId,
      principal: caller.principal,
      authMethod: caller.authMethod,
      problemCode: error.code,
      detail: error.message,
    };
    if (context.sourceIp !== undefined) event.sourceIp = context.sourceIp;
    if (context.userAgent !== undefined) event.userAgent = context.userAgent.slice(0, 512);
    try {
      await this.deps.audit.append(event);
    } catch (auditError) {
      this.deps.onAuditFailure?.(auditError, event);
    }
    throw error;
  }
}
