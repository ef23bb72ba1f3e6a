import type { ChainedAuditEvent } from '../audit/audit.js';
import type { ActivityRecord } from './cloudtrail.js';

/** Where the activity job keeps CloudTrail activity (it never reads it back). */
export interface ActivitySink {
  /** Stores each record unless its event id is already stored; says how many were new. */
  put(records: readonly ActivityRecord[]): Promise<{ stored: number; duplicates: number }>;
}

/** The audit function's side: activity by access key and by SourceIdentity. */
export interface ActivityReader {
  byAccessKey(accessKeyId: string, limit: number): Promise<ActivityRecord[]>;
  /** Records of sessions with this SourceIdentity (role chains included) between two instants. */
  bySourceIdentity(sourceIdentity: string, from: Date, to: Date, limit: number): Promise<ActivityRecord[]>;
}

/** The issuance records made under a grant (audit records carrying its access request id). */
export interface GrantIssuances {
  issuancesOf(accessRequestId: string): Promise<ChainedAuditEvent[]>;
}
