import type { PolicyDocument, PolicyStatement } from '../policy/policy.js';

/** Writes a Deny into a target role's revocation policy; returns the policy now in force. */
export interface RevocationApplier {
  apply(roleArn: string, statement: PolicyStatement, now: Date): Promise<PolicyDocument>;
}

/** Short exclusive leases: one holder per name until it releases or the lease runs out. */
export interface LeaseStore {
  /** True when `holder` now holds `name` until `until`; false while someone else does. */
  acquire(name: string, holder: string, until: Date, now: Date): Promise<boolean>;
  /**
   * Shortens `holder`'s lease to end at `freeAt` (now, or a little later to let a write
   * settle); a lease taken over since is left alone.
   */
  release(name: string, holder: string, freeAt: Date): Promise<void>;
}

/** Whether a revocation recorded since `since` covers sessions of this SourceIdentity on this role. */
export interface RevocationLookup {
  revokedSince(roleArn: string, sourceIdentity: string, since: Date): Promise<boolean>;
}
