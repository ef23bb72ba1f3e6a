import type { AuditOutcome } from '../domain/audit/audit.js';

/**
 * The time-ordered audit index (`byOutcomeShard`) is keyed `<outcome>#<shard>`, so no
 * partition key is shared by every record: issuances spread over {@link AUDIT_SHARDS} keys,
 * each under DynamoDB's 1 000 write units per second per partition (a keys-only entry costs
 * one). Changing the count re-shards only new records: readers must then walk the larger
 * count, which is why it is a constant and not configuration.
 */
export const AUDIT_SHARDS = 8;

/** The order an unfiltered walk visits outcomes in: the busiest first. */
const AUDIT_OUTCOMES: readonly AuditOutcome[] = ['issued', 'denied', 'error', 'applied'];

/** FNV-1a of the event id: ULIDs end in random characters, so records spread evenly. */
function shardOf(eventId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < eventId.length; i++) {
    hash ^= eventId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % AUDIT_SHARDS;
}

/** The `outcomeShard` attribute of a record: the partition key of `byOutcomeShard`. */
export function outcomeShardOf(outcome: AuditOutcome, eventId: string): string {
  return `${outcome}#${shardOf(eventId)}`;
}

/** Every partition key of `byOutcomeShard` holding records of these outcomes, in walk order. */
export function outcomeSegments(outcomes: readonly string[] = AUDIT_OUTCOMES): string[] {
  return outcomes.flatMap((outcome) => Array.from({ length: AUDIT_SHARDS }, (_, k) => `${outcome}#${k}`));
}
