import type { DynamoDBStreamEvent } from 'aws-lambda';
import { itemToAuditEvent } from '../aws/audit-items.js';
import { EventBridgeAuditPublisher } from '../aws/eventbridge-audit-publisher.js';
import { streamImageToItem } from '../aws/stream-attribute-values.js';
import type { ChainedAuditEvent } from '../domain/audit/audit.js';
import { createEventBridgeClient } from './clients.js';
import type { Composition } from './composition.js';

/**
 * The stream job: every record inserted into the audit table becomes one event. A record
 * changed or removed in place is never normal (the table is append-only): it is logged as
 * an error for an alarm, and verification names what it did.
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
      if (record.eventName === 'INSERT' && image) records.push(itemToAuditEvent(streamImageToItem(image)));
      else
        root.logger.error('audit record changed in place', {
          eventName: record.eventName,
          keys: JSON.stringify(record.dynamodb?.Keys ?? {}),
        });
    }
    await publisher.publish(records);
  };
}
