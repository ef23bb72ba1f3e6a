import type { ChainedAuditEvent } from '../audit/audit.js';
import type { AuthMethod, Entitlement } from '../shared/types.js';
import type { AccessRequest, FollowUpKind, Requestable, TransitionName } from './types.js';

/**
 * The grant entitlement rows a transition writes or removes with it: a new grant (its id
 * unused), an extended one (rewritten with its later end; it must still exist), or an ended one.
 */
export type GrantChange =
  | { put: Entitlement }
  | { extend: Entitlement }
  | { remove: { id: string; subject: string } }
  | undefined;

/**
 * Access requests with optimistic concurrency: `save` stores `next` only if the stored
 * request is still at `next.version - 1` (or absent, for version 1), together with the
 * grant change and the audit record in one transaction. Otherwise it throws
 * StaleRequestError and nothing is written.
 */
export interface AccessRequestStore extends GrantDenyStore {
  save(next: AccessRequest, grant: GrantChange, audit: ChainedAuditEvent): Promise<void>;
  /** By the requester's identity key. */
  byRequester(identity: string, limit: number): Promise<AccessRequest[]>;
  /**
   * Requests stored as `requested` and grants with an extension stored as `requested` (some
   * may have passed their answer deadline).
   */
  pending(limit: number): Promise<AccessRequest[]>;
  /** Break-glass grants not reviewed yet. */
  needingReview(limit: number): Promise<AccessRequest[]>;
}

/**
 * What completing a grant's recorded Deny needs, and no more (the sweep's store): read a
 * request, list those whose Deny is due, and store one step with no grant change, with
 * the same version condition and audit transaction as AccessRequestStore.save.
 */
export interface GrantDenyStore {
  get(id: string): Promise<AccessRequest | undefined>;
  save(next: AccessRequest, grant: undefined, audit: ChainedAuditEvent): Promise<void>;
  /** Revoked grants whose Deny is recorded as due and not written yet. */
  revocationsDue(limit: number): Promise<AccessRequest[]>;
}

export interface RequestableChange {
  id: string;
  /** undefined: must not exist yet. */
  expected?: Requestable;
  /** undefined: delete. */
  next?: Requestable;
}

export interface RequestableStore {
  get(id: string): Promise<Requestable | undefined>;
  list(): Promise<Requestable[]>;
  /** Throws ConflictError when the stored version is not the expected one. */
  write(change: RequestableChange, audit: ChainedAuditEvent): Promise<void>;
}

/** One lifecycle step as the notification sinks receive it. */
export interface AccessRequestNotice {
  /** The step, or a follow-up the scheduler sends (then `actor` is the scheduler and no auth method). */
  transition: TransitionName | FollowUpKind;
  request: AccessRequest;
  actor: string;
  actorAuthMethod?: AuthMethod;
  /** Break-glass: sent to every sink at once, marked urgent. */
  urgent: boolean;
  /** When the notice was made (sinks sign with their own clock). */
  at: Date;
}

/** Delivers a notice to every configured sink. Never throws: failures are retried and recorded. */
export interface AccessRequestNotifier {
  notify(notice: AccessRequestNotice): Promise<void>;
}
