import type { ChainedAuditEvent } from '../audit/audit.js';
import type { InMemoryAuditTable } from '../audit/fakes.js';
import type { InMemoryEntitlements } from '../issuance/fakes.js';
import { ConflictError } from '../shared/errors.js';
import { Faults } from '../shared/fakes.js';
import { StaleRequestError } from './errors.js';
import type { FollowUpMarkers, FollowUpStore } from './follow-ups.js';
import type { OnCallDirectory, OnCallSchedule } from './on-call.js';
import type {
  AccessRequestNotice,
  AccessRequestNotifier,
  AccessRequestStore,
  GrantChange,
  RequestableChange,
  RequestableStore,
} from './ports.js';
import type { AccessRequest, Requestable } from './types.js';

/**
 * Access requests as DynamoDbAccessRequestStore keeps them: `save` is one transaction of the
 * request (guarded by its version: absent for version 1, else `version - 1`), the grant rows
 * (a new grant's id must be unused) and the audit record. A stale request is a
 * StaleRequestError; any other failed condition cancels the whole transaction.
 */
export class InMemoryAccessRequestStore implements AccessRequestStore, FollowUpStore {
  private readonly requests = new Map<string, AccessRequest>();
  readonly faults = new Faults<'read' | 'save'>();

  constructor(
    private readonly entitlements: InMemoryEntitlements,
    private readonly audit: InMemoryAuditTable,
  ) {}

  async get(id: string): Promise<AccessRequest | undefined> {
    this.faults.check('read');
    const request = this.requests.get(id);
    return request && structuredClone(request);
  }

  async save(next: AccessRequest, grant: GrantChange, audit: ChainedAuditEvent): Promise<void> {
    this.faults.check('save');
    const stored = this.requests.get(next.id);
    const fresh = next.version === 1 ? stored === undefined : stored?.version === next.version - 1;
    if (!fresh) throw new StaleRequestError(`access request ${next.id} changed since it was read`);
    if (grant && 'put' in grant && this.entitlements.registry.has(grant.put.id)) {
      throw new Error(`transaction cancelled: entitlement ${grant.put.id} exists`);
    }
    if (grant && 'extend' in grant && !this.entitlements.registry.has(grant.extend.id)) {
      throw new Error(`transaction cancelled: entitlement ${grant.extend.id} is gone`);
    }
    this.audit.assertNew(audit);
    this.requests.set(next.id, structuredClone(next));
    if (grant && 'put' in grant) this.entitlements.put(grant.put);
    if (grant && 'extend' in grant) this.entitlements.put(grant.extend);
    if (grant && 'remove' in grant) this.entitlements.remove(grant.remove.subject, grant.remove.id);
    this.audit.commit(audit);
  }

  async byRequester(identity: string, limit: number): Promise<AccessRequest[]> {
    return this.query((r) => r.requesterSubject === identity, limit);
  }

  async pending(limit: number): Promise<AccessRequest[]> {
    return this.query(
      (r) => r.state === 'requested' || (r.state === 'active' && r.extension?.state === 'requested'),
      limit,
    );
  }

  async needingReview(limit: number): Promise<AccessRequest[]> {
    return this.query((r) => r.reviewRequired && !r.review, limit);
  }

  /** Pending requests and grants stored as active, made since `since` (the byPending index's two values). */
  async followUpCandidates(since: Date, limit: number): Promise<AccessRequest[]> {
    return this.query(
      (r) => (r.state === 'requested' || r.state === 'active') && r.createdAt >= since,
      limit,
    );
  }

  async revocationsDue(limit: number): Promise<AccessRequest[]> {
    return this.query((r) => r.state !== 'requested' && r.sessionsDeny === 'due', limit);
  }

  /** Newest first by `createdAt`, up to `limit`: one Query on a sparse index. */
  private async query(match: (r: AccessRequest) => boolean, limit: number): Promise<AccessRequest[]> {
    this.faults.check('read');
    return [...this.requests.values()]
      .filter(match)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
      .slice(0, limit)
      .map((r) => structuredClone(r));
  }
}

/** Requestable access as DynamoDbRequestableStore keeps it: versioned writes, each with its audit record. */
export class InMemoryRequestableStore implements RequestableStore {
  private readonly requestables = new Map<string, Requestable>();
  readonly faults = new Faults<'read' | 'write'>();

  constructor(
    private readonly audit: InMemoryAuditTable,
    initial: readonly Requestable[] = [],
  ) {
    for (const r of initial) this.requestables.set(r.id, structuredClone(r));
  }

  async get(id: string): Promise<Requestable | undefined> {
    this.faults.check('read');
    const requestable = this.requestables.get(id);
    return requestable && structuredClone(requestable);
  }

  async list(): Promise<Requestable[]> {
    this.faults.check('read');
    return [...this.requestables.values()].map((r) => structuredClone(r));
  }

  async write(change: RequestableChange, audit: ChainedAuditEvent): Promise<void> {
    this.faults.check('write');
    const stored = this.requestables.get(change.id);
    const guardHolds = change.expected ? stored?.version === change.expected.version : stored === undefined;
    if (!guardHolds) {
      throw new ConflictError(`requestable access ${change.id} changed since it was read; read it again`);
    }
    this.audit.assertNew(audit);
    if (change.next) this.requestables.set(change.id, structuredClone(change.next));
    else this.requestables.delete(change.id);
    this.audit.commit(audit);
  }
}

/** Keeps every notice; a notifier never throws (the real one retries and records failures). */
export class RecordingNotifier implements AccessRequestNotifier {
  readonly notices: AccessRequestNotice[] = [];

  async notify(notice: AccessRequestNotice): Promise<void> {
    this.notices.push(structuredClone(notice));
  }
}

/**
 * Shifts as a paging service would answer them: `shifts` maps `<provider>:<schedule>` to the
 * people on call now and when each one's shift ends; `failure`, when set, is thrown instead.
 */
export class InMemoryOnCallDirectory implements OnCallDirectory {
  readonly shifts = new Map<string, Map<string, Date>>();
  readonly lookups: string[] = [];
  failure: Error | undefined;

  onCall(schedule: OnCallSchedule, email: string, until: Date): this {
    const key = `${schedule.provider}:${schedule.scheduleId}`;
    const people = this.shifts.get(key) ?? new Map<string, Date>();
    people.set(email, until);
    this.shifts.set(key, people);
    return this;
  }

  async shiftEnd(schedule: OnCallSchedule, email: string, now: Date): Promise<Date | undefined> {
    this.lookups.push(`${schedule.provider}:${schedule.scheduleId}:${email}`);
    if (this.failure) throw this.failure;
    const end = this.shifts.get(`${schedule.provider}:${schedule.scheduleId}`)?.get(email);
    return end && end > now ? end : undefined;
  }
}

/** Follow-up markers as DynamoDbFollowUpMarkers keeps them: the first claim of a marker wins. */
export class InMemoryFollowUpMarkers implements FollowUpMarkers {
  readonly claimed = new Map<string, Date>();
  readonly faults = new Faults<'claim'>();

  async claim(marker: string, keepUntil: Date): Promise<boolean> {
    this.faults.check('claim');
    if (this.claimed.has(marker)) return false;
    this.claimed.set(marker, keepUntil);
    return true;
  }
}
