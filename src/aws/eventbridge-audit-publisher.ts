import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import type { ChainedAuditEvent } from '../domain/audit/audit.js';
import { auditDetailType, auditEventDetail } from '../domain/audit/events.js';

/** PutEvents takes at most 10 entries. */
const BATCH = 10;
/** Entries EventBridge reports as failed are retried this many times before the batch fails. */
const ATTEMPTS = 3;

class EventPublishError extends Error {
  override readonly name = 'EventPublishError';
}

/** Publishes audit records as EventBridge events, one per record, in order of the batch. */
export class EventBridgeAuditPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
    private readonly source: string,
  ) {}

  async publish(records: readonly ChainedAuditEvent[]): Promise<void> {
    for (let i = 0; i < records.length; i += BATCH) {
      await this.putBatch(records.slice(i, i + BATCH).map((record) => this.entry(record)));
    }
  }

  private entry(record: ChainedAuditEvent): PutEventsRequestEntry {
    return {
      EventBusName: this.busName,
      Source: this.source,
      DetailType: auditDetailType(record),
      Time: new Date(record.time),
      Detail: JSON.stringify(auditEventDetail(record)),
    };
  }

  private async putBatch(entries: PutEventsRequestEntry[]): Promise<void> {
    let pending = entries;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const output = await this.client.send(new PutEventsCommand({ Entries: pending }));
      const failed = pending.filter((_, index) => output.Entries?.[index]?.ErrorCode !== undefined);
      if (failed.length > 0 && attempt >= ATTEMPTS) {
        const code = output.Entries?.find((e) => e.ErrorCode)?.ErrorCode;
        throw new EventPublishError(`${failed.length} events not accepted by EventBridge (${code})`);
      }
      pending = failed;
    }
  }
}
