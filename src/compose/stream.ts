import type { DynamoDBStreamEvent } from 'aws-lambda';
import { MalformedItemError } from '../aws/attribute-values.js';
import { itemToAuditEvent } from '../aws/audit-items.js';
import { EventBridgeAuditPublisher } from '../aws/eventbridge-audit-publisher.js';
import { streamImageToItem } from '../aws/stream-attribute-values.js';
import type { ChainedAuditEvent } from '../domain/audit/audit.js';
import { createEventBridgeClient } from './clients.js';
import type { Composition } from './composition.js';

/**
 * The stream job: every record inserted into the audit table becomes one event. A record
 * changed or removed in place is never normal (the table is append-only): it is logged as
 * an error for an alarm, and verification names what it did. The one exception is TTL's own
 * removal at the end of the hot window (DynamoDB's service identity), after the export.
 */
export function createStreamJob(root: Composition): (event: DynamoDBStreamEvent) => Promise<void> {
  const { config } = root;
  const publisher = new EventBridgeAuditPublisher(
    createEventBridgeClient(config, root.runtime.credentials),
    config.events.busName,
    config.events.source,
  );
  return async (event) => {
    const records: ChainedAuditEvent[] = [];
    for (const record of event.Records) {
      const image = record.dynamodb?.NewImage;
      if (record.eventName === 'INSERT' && image) {
        const read = readInserted(image);
        if ('event' in read) records.push(read.event);
        // Skipped, not retried: a record this version cannot read would block the stream forever.
        else root.logger.error('audit record unreadable, not published', read);
      } else if (record.eventName === 'REMOVE' && removedByTtl(record)) {
        // The record left the hot window; its export in the digest bucket keeps it.
      } else
        root.logger.error('audit record changed in place', {
          eventName: record.eventName,
          keys: JSON.stringify(record.dynamodb?.Keys ?? {}),
        });
    }
    await publisher.publish(records);
  };
}

type StreamRecord = DynamoDBStreamEvent['Records'][number];

/** A removal by TTL carries DynamoDB's own service identity, which no caller can take. */
function removedByTtl(record: StreamRecord): boolean {
  return (
    record.userIdentity?.type === 'Service' && record.userIdentity?.principalId === 'dynamodb.amazonaws.com'
  );
}

type StreamImage = NonNullable<NonNullable<DynamoDBStreamEvent['Records'][number]['dynamodb']>['NewImage']>;

function readInserted(
  image: StreamImage,
): { event: ChainedAuditEvent } | { eventId: string; detail: string } {
  const item = streamImageToItem(image);
  try {
    return { event: itemToAuditEvent(item) };
  } catch (error) {
    if (!(error instanceof MalformedItemError)) throw error;
    return { eventId: item.eventId?.S ?? '(none)', detail: error.message };
  }
}
