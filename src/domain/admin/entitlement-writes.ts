import { adminChangeEvent } from '../audit/admin-change.js';
import type { AuditActor } from '../audit/base-event.js';
import type { TransactionalAuditLog } from '../audit/ports.js';
import type { Clock } from '../shared/clock.js';
import { InvalidRequestError } from '../shared/errors.js';
import { checkIfMatch } from '../shared/if-match.js';
import type { Entitlement, RequestContext } from '../shared/types.js';
import { validateEntitlement } from './entitlement-validation.js';
import type { EntitlementRowStore } from './ports.js';

export interface EntitlementWritesDependencies {
  store: EntitlementRowStore;
  audit: TransactionalAuditLog;
  clock: Clock;
  newEventId: (now: Date) => string;
}

/**
 * The versioned, audited write of one entitlement, with no role check of its own: the admin
 * service checks roles and slices before it writes here, and a review's decision was
 * authorised by the review. Needs no listing, so the review deadline job can use it alone.
 */
export class EntitlementWrites {
  constructor(private readonly deps: EntitlementWritesDependencies) {}

  /**
   * A review's decision on a standing entitlement, through the same versioned, audited write
   * as an admin's: `remove` deletes it, `notAfter` ends it then (never later than it already
   * ends). The review authorised it (a named reviewer who is not its subject, or the
   * deadline default in the opener's name), so no admin role is asked for here; `reason`
   * names the review in the audit record. `gone`: nothing to change any more.
   */
  async applyReviewDecision(
    actor: AuditActor,
    change: { id: string; version: number; remove: true } | { id: string; version: number; notAfter: Date },
    reason: string,
    context: RequestContext,
  ): Promise<'applied' | 'gone'> {
    const current = await this.deps.store.get(change.id);
    if (!current) return 'gone';
    checkIfMatch(`entitlement ${change.id}`, current, change.version, 'replace');
    if ('remove' in change) {
      await this.record(actor, context, 'entitlement.delete', current, undefined, reason);
      return 'applied';
    }
    if (current.notAfter && current.notAfter.getTime() <= change.notAfter.getTime()) return 'applied';
    const next: Entitlement = { ...current, notAfter: change.notAfter, version: current.version + 1 };
    const issues = validateEntitlement(next);
    if (issues.length > 0) throw new InvalidRequestError('the entitlement is not valid', issues);
    await this.record(actor, context, 'entitlement.put', current, next, reason);
    return 'applied';
  }

  /** Writes `before` → `after` (either absent: a create or a delete) with its audit record, in one transaction. */
  async record(
    caller: AuditActor,
    context: RequestContext,
    action: 'entitlement.put' | 'entitlement.delete',
    before: Entitlement | undefined,
    after: Entitlement | undefined,
    reason?: string,
  ): Promise<void> {
    const now = this.deps.clock.now();
    const { subject, event, write } = adminChangeEvent(
      { eventId: this.deps.newEventId(now), now },
      action,
      caller,
      context,
      { before, after },
    );
    event.entitlementId = subject.id;
    if (reason !== undefined) event.reason = reason;
    await this.deps.audit.appendWith(event, (record) => this.deps.store.write(write, record));
  }
}
