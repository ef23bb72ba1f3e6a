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
import { EntitlementWrites } from './entitlement-writes.js';
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
  private readonly writes: EntitlementWrites;

  constructor(private readonly deps: EntitlementAdminDependencies) {
    this.writes = new EntitlementWrites(deps);
  }

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
    await this.writes.record(caller, context, 'entitlement.put', current, next);
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
    if (current) await this.writes.record(caller, context, 'entitlement.delete', current, undefined);
  }

  /** A review's decision on a standing entitlement (see EntitlementWrites.applyReviewDecision). */
  applyReviewDecision(...args: Parameters<EntitlementWrites['applyReviewDecision']>) {
    return this.writes.applyReviewDecision(...args);
  }
}
