import type { ChainedAuditEvent } from '../audit/audit.js';
import type { Entitlement } from '../shared/types.js';

export interface EntitlementPage {
  entitlements: Entitlement[];
  nextCursor?: string;
}

/** One entitlement change, applied only if the stored version is still `expectedVersion`. */
export interface EntitlementChange {
  id: string;
  /** undefined: the entitlement must not exist yet. */
  expected?: Entitlement;
  /** undefined: delete. */
  next?: Entitlement;
}

/** One entitlement at a time: consistent reads by id and conditional writes. */
export interface EntitlementRowStore {
  get(id: string): Promise<Entitlement | undefined>;
  /** Rows under one subject key, counted up to `upTo` (a consistent read). */
  countSubject(subject: string, upTo: number): Promise<number>;
  /** Throws ConflictError when the stored version is not the expected one. */
  write(change: EntitlementChange, audit: ChainedAuditEvent): Promise<void>;
}

/** Admin side of the entitlement table: the rows, and listing them all. */
export interface EntitlementAdminStore extends EntitlementRowStore {
  list(limit: number, cursor?: string): Promise<EntitlementPage>;
}
