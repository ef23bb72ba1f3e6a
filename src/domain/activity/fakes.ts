import type { ActivityRecord } from './cloudtrail.js';
import type { ActivityReader, ActivitySink } from './ports.js';

/** The activity table in memory: stores an event id once, reads as the DynamoDB store does. */
export class InMemoryActivityStore implements ActivitySink, ActivityReader {
  private readonly byId = new Map<string, ActivityRecord>();

  async put(records: readonly ActivityRecord[]) {
    let stored = 0;
    for (const record of records) {
      if (this.byId.has(record.eventId)) continue;
      this.byId.set(record.eventId, record);
      stored++;
    }
    return { stored, duplicates: records.length - stored };
  }

  async byAccessKey(accessKeyId: string, limit: number) {
    return this.sorted((r) => r.accessKeyId === accessKeyId).slice(0, limit);
  }

  async bySourceIdentity(sourceIdentity: string, from: Date, to: Date, limit: number) {
    const [start, end] = [from.toISOString(), to.toISOString()];
    return this.sorted((r) => r.sourceIdentity === sourceIdentity && r.time >= start && r.time <= end).slice(
      0,
      limit,
    );
  }

  private sorted(keep: (record: ActivityRecord) => boolean) {
    return [...this.byId.values()]
      .filter(keep)
      .sort((a, b) => a.time.localeCompare(b.time) || a.eventId.localeCompare(b.eventId));
  }
}
