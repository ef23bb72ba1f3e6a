import type { ChainedAuditEvent } from './audit.js';

/** Exactly one indexed filter per query, so every page is one key-condition Query. */
/** Longest time range one audit query (and every page of it) may span. */
export const MAX_RANGE_DAYS = 400;

export type AuditFilter =
  | { by: 'principal' | 'accountId' | 'roleArn' | 'outcome' | 'accessRequestId'; value: string }
  | { by: 'all' };

export interface AuditPageRequest {
  filter: AuditFilter;
  /** Inclusive ISO-8601 bounds, normalised to UTC with milliseconds. */
  from: string;
  to: string;
  limit: number;
  cursor?: string;
}

/** A stored record this version cannot read (its item is not a record it writes). */
export interface UnreadableRecord {
  eventId: string;
  /** What is wrong with it: the attribute and the rule it breaks, never its value. */
  detail: string;
}

export interface AuditPage {
  events: ChainedAuditEvent[];
  /** Records of this page that could not be read: each is an error of its own, the rest still listed. */
  unreadable?: UnreadableRecord[];
  nextCursor?: string;
}

/** Read side of the audit log (the auditors' port). */
export interface AuditReader {
  page(request: AuditPageRequest): Promise<AuditPage>;
  get(eventId: string): Promise<ChainedAuditEvent | undefined>;
  byAccessKey(accessKeyId: string): Promise<ChainedAuditEvent[]>;
  /** Ids of the chains with a record in [from, to]. */
  chainsBetween(from: string, to: string): Promise<string[]>;
  /** Every record of one chain, in sequence order. */
  chain(chainId: string): Promise<ChainedAuditEvent[]>;
  /** Every record of these chains (in no particular order): one read for all of them. */
  chains(chainIds: readonly string[]): Promise<ChainedAuditEvent[]>;
}
