import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { itemToStreamImage } from '../aws/stream-attribute-values.js';
import type { Credentials } from '../compose/runtime.js';

/**
 * Where each shard was read up to. Lambda's event source mapping keeps this outside the
 * function; locally the caller keeps it, so a restarted poller resumes where its
 * predecessor stopped (and re-delivers a batch it had not finished: at least once).
 */
export type StreamCheckpoints = Map<string, string>;

export interface StreamPoller {
  stop(): Promise<void>;
}

const IDLE_MS = 250;

/**
 * What Lambda's DynamoDB event source mapping does, for the local stack: reads the
 * audit table's stream from DynamoDB Local and hands each batch to the same handler the
 * stream Lambda runs; a batch is checkpointed only once the handler succeeded.
 */
export function startStreamPoller(options: {
  endpoint: string;
  region: string;
  credentials: Credentials;
  /**
   * The stream, as an event source mapping is given it (the template's AuditTable.StreamArn):
   * the function's role reads the stream, and needs nothing on the table itself.
   */
  streamArn: string;
  handler: (event: DynamoDBStreamEvent) => Promise<void>;
  checkpoints: StreamCheckpoints;
  onError: (error: unknown) => void;
  batchSize?: number;
}): StreamPoller {
  const config = { region: options.region, endpoint: options.endpoint, credentials: options.credentials };
  const streams = new DynamoDBStreamsClient(config);
  const iterators = new Map<string, string | null>();
  let running = true;
  let wake: (() => void) | undefined;

  const iteratorFor = async (arn: string, shardId: string) => {
    const after = options.checkpoints.get(shardId);
    const output = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: arn,
        ShardId: shardId,
        ...(after
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    return output.ShardIterator ?? null;
  };

  const pollOnce = async (arn: string): Promise<number> => {
    const stream = await streams.send(new DescribeStreamCommand({ StreamArn: arn }));
    let delivered = 0;
    for (const shard of stream.StreamDescription?.Shards ?? []) {
      const shardId = shard.ShardId;
      if (!shardId || !running) continue;
      if (!iterators.has(shardId)) iterators.set(shardId, await iteratorFor(arn, shardId));
      const iterator = iterators.get(shardId);
      if (!iterator) continue;
      const output = await streams.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: options.batchSize ?? 100 }),
      );
      const records = output.Records ?? [];
      if (records.length > 0) {
        if (!running) return delivered;
        await options.handler({ Records: records.map(toLambdaRecord) });
        const last = records.at(-1)?.dynamodb?.SequenceNumber;
        if (last) options.checkpoints.set(shardId, last);
        delivered += records.length;
      }
      iterators.set(shardId, output.NextShardIterator ?? null);
    }
    return delivered;
  };

  const loop = (async () => {
    const arn = options.streamArn;
    while (running) {
      try {
        if ((await pollOnce(arn)) > 0) continue;
      } catch (error) {
        // Like Lambda: the batch is retried from the last checkpoint. DynamoDB Local answers
        // the first read of a brand-new shard with TrimmedDataAccessException; that is no failure.
        if (!(error instanceof TrimmedDataAccessException)) options.onError(error);
        iterators.clear();
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, IDLE_MS);
      });
    }
  })().catch(options.onError);

  return {
    stop: async () => {
      running = false;
      wake?.();
      await loop;
      streams.destroy();
    },
  };
}

function toLambdaRecord(record: _Record): DynamoDBRecord {
  const image = record.dynamodb?.NewImage;
  const keys = record.dynamodb?.Keys;
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventSource: 'aws:dynamodb',
    dynamodb: {
      ...(image ? { NewImage: itemToStreamImage(image) } : {}),
      ...(keys ? { Keys: itemToStreamImage(keys) } : {}),
      SequenceNumber: record.dynamodb?.SequenceNumber,
    },
  };
}
