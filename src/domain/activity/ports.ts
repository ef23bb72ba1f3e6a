import type { ActivityRecord } from './cloudtrail.js';

/** Where CloudTrail activity is kept, by access key and by SourceIdentity. */
export interface ActivityStore {
  /** Stores each record unless its event id is already stored; says how many were new. */
  put(records: readonly ActivityRecord[]): Promise<{ stored: number; duplicates: number }>;
  byAccessKey(accessKeyId: string, limit: number): Promise<ActivityRecord[]>;
  /** Records of sessions with this SourceIdentity (role chains included) between two instants. */
  bySourceIdentity(sourceIdentity: string, from: Date, to: Date, limit: number): Promise<ActivityRecord[]>;
}
