import type { AuditEvent } from '../audit/audit.js';
import { type AuditActor, baseAuditEvent } from '../audit/base-event.js';
import { canonicalJson } from '../audit/chain.js';
import type { TransactionalAuditLog } from '../audit/ports.js';
import type { PrivilegedAccess } from '../identity/privileged-access.js';
import type { Clock } from '../shared/clock.js';
import { InvalidRequestError, NotFoundError } from '../shared/errors.js';
import { checkIfMatch } from '../shared/if-match.js';
import { sameContent } from '../shared/same-content.js';
import type { Caller, Entitlement, RequestContext } from '../shared/types.js';
import { MAX_CLAIM_RULES_PER_ISSUER, subjectKindOf } from '../subjects/subjects.js';
import { withinScope } from './admin-scope.js';
import { validateEntitlement } from './entitlement-validation.js';
import type { EntitlementAdminStore, EntitlementPage } from './ports.js';

export interface EntitlementAdminDependencies {
  store: EntitlementAdminStore;
  audit: TransactionalAuditLog;
  access: PrivilegedAccess;
  clock: Clock;
  newEventId: (now: Date) => string;
}

/** What an admin writes: everything but the version, which the service manages. */
export type EntitlementInput = Omit<Entitlement, 'version'>;

/** An entitlement as recorded in audit: the ExternalId is a confused-deputy guard, so it is redacted. */
function forAudit(entitlement: Entitlement | undefined): unknown {
  if (!entitlement) return null;
  return { ...entitlement, ...(entitlement.externalId !== undefined ? { externalId: '(set)' } : {}) };
}

/** An input as the store reads it back (`endWithToken` kept only when true), to compare with what is stored. */
export function asStored<T extends EntitlementInput>(input: T): T {
  return input.endWithToken ? input : { ...input, endWithToken: undefined };
}

/**
 * Entitlement administration. Writes use optimistic concurrency (the caller names the
 * version it read; a stale write is a ConflictError) and land in one transaction with
 * their audit record, so no change is ever unaudited.
 */
export class EntitlementAdmin {
  constructor(private readonly deps: EntitlementAdminDependencies) {}

  /** One entitlement; a slice admin reads only its slice's (the id is judged before any read). */
  async get(caller: Caller, id: string, context: RequestContext): Promise<Entitlement> {
    const { access } = this.deps;
    const scope = await access.requireAdminScope(caller, 'read', 'entitlement.read', context);
    await access.requireCovered(caller, scope, [{ id }], 'entitlement.read', context);
    const entitlement = await this.deps.store.get(id);
    if (!entitlement) throw new NotFoundError(`no entitlement ${id}`);
    await access.requireCovered(caller, scope, [entitlement], 'entitlement.read', context);
    return entitlement;
  }

  async list(
    caller: Caller,
    limit: number,
    cursor: string | undefined,
    context: RequestContext,
  ): Promise<EntitlementPage> {
    const scope = await this.deps.access.requireAdminScope(caller, 'read', 'entitlement.read', context);
    const page = await this.deps.store.list(limit, cursor);
    // A slice admin's pages hold only its rows (a page may come back short, as a filtered Scan's).
    return { ...page, entitlements: withinScope(scope, page.entitlements) };
  }

  /**
   * Creates (`ifMatchVersion` undefined and the id unused) or replaces (`ifMatchVersion`
   * equal to the stored version) an entitlement. Replacing it with what it already holds
   * changes nothing: no new version, no audit record (nothing was applied). A slice admin
   * writes only rows of its slice, before and after: it cannot take a row in nor move one out.
   */
  async put(
    caller: Caller,
    input: EntitlementInput,
    ifMatchVersion: number | undefined,
    context: RequestContext,
  ): Promise<Entitlement> {
    const { access } = this.deps;
    const scope = await access.requireAdminScope(caller, 'write', 'entitlement.put', context);
    await access.requireCovered(caller, scope, [input], 'entitlement.put', context);
    const current = await this.deps.store.get(input.id);
    if (current) await access.requireCovered(caller, scope, [current], 'entitlement.put', context);
    checkIfMatch(`entitlement ${input.id}`, current, ifMatchVersion, 'replace');
    if (current && sameContent(asStored(current), asStored(input))) return current;
    const next: Entitlement = { ...input, version: (current?.version ?? 0) + 1 };
    const issues = validateEntitlement(next);
    if (issues.length > 0) throw new InvalidRequestError('the entitlement is not valid', issues);
    await this.checkRuleCap(next, current);
    await this.record(caller, context, 'entitlement.put', current, next);
    return next;
  }

  /**
   * An issuer's claim rules are read with one capped Query; a rule beyond the cap would make
   * every issuance for that issuer fail closed, so it is refused here instead.
   */
  private async checkRuleCap(next: Entitlement, current: Entitlement | undefined): Promise<void> {
    if (subjectKindOf(next.subject) !== 'claim-rule' || current?.subject === next.subject) return;
    const count = await this.deps.store.countSubject(next.subject, MAX_CLAIM_RULES_PER_ISSUER);
    if (count >= MAX_CLAIM_RULES_PER_ISSUER) {
      throw new InvalidRequestError(
        `this issuer already has ${MAX_CLAIM_RULES_PER_ISSUER} claim rules, the most one lookup reads; combine rules with globs or use groups`,
        [{ path: 'subject', message: `at most ${MAX_CLAIM_RULES_PER_ISSUER} claim rules per issuer` }],
      );
    }
  }

  async delete(
    caller: Caller,
    id: string,
    ifMatchVersion: number | undefined,
    context: RequestContext,
  ): Promise<void> {
    const { access } = this.deps;
    const scope = await access.requireAdminScope(caller, 'write', 'entitlement.delete', context);
    await access.requireCovered(caller, scope, [{ id }], 'entitlement.delete', context);
    const current = await this.deps.store.get(id);
    if (current) await access.requireCovered(caller, scope, [current], 'entitlement.delete', context);
    checkIfMatch(`entitlement ${id}`, current, ifMatchVersion, 'delete');
    if (current) await this.record(caller, context, 'entitlement.delete', current, undefined);
  }

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

  private async record(
    caller: AuditActor,
    context: RequestContext,
    action: 'entitlement.put' | 'entitlement.delete',
    before: Entitlement | undefined,
    after: Entitlement | undefined,
    reason?: string,
  ): Promise<void> {
    const now = this.deps.clock.now();
    const subject = after ?? before;
    if (!subject) throw new Error('an entitlement change needs a before or an after');
    const event: AuditEvent = {
      ...baseAuditEvent(
        { eventId: this.deps.newEventId(now), now },
        { action, outcome: 'applied' },
        caller,
        context,
      ),
      entitlementId: subject.id,
      accountId: subject.accountId,
      roleArn: subject.roleArn,
      change: canonicalJson({ before: forAudit(before), after: forAudit(after) }),
      ...(reason !== undefined ? { reason } : {}),
    };
    const change = {
      id: subject.id,
      ...(before ? { expected: before } : {}),
      ...(after ? { next: after } : {}),
    };
    await this.deps.audit.appendWith(event, (record) => this.deps.store.write(change, record));
  }
}
