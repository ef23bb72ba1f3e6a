import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { IdempotencyRecord, IdempotencyStore } from '../domain/issuance/ports.js';
import type { Sealed } from '../domain/issuance/sealing.js';
import { MalformedItemError, readNumber, readString } from './attribute-values.js';

const epochSeconds = (date: Date) => String(Math.floor(date.getTime() / 1000));

function toRecord(item: Record<string, AttributeValue>): IdempotencyRecord {
  const state = readString(item, 'state');
  const requestHash = readString(item, 'requestHash');
  if (state === 'pending') return { state, requestHash };
  if (state !== 'done') throw new MalformedItemError(`idempotency state ${state}`);
  return {
    state,
    requestHash,
    sealed: {
      iv: readString(item, 'iv'),
      ciphertext: readString(item, 'ciphertext'),
      tag: readString(item, 'tag'),
    },
    expiresAt: new Date(readNumber(item, 'expiresAt') * 1000),
  };
}

/**
 * Idempotency keys in DynamoDB. A claim is one conditional PutItem: it wins when the key
 * is new, or its holder crashed (pending past its deadline), or its credentials expired;
 * when it loses, the same call returns the record that beat it.
 * `expiresAt` doubles as the table's TTL attribute, so sealed answers disappear when the
 * credentials inside them stop working.
 */
export class DynamoDbIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async claim(
    keyHash: string,
    requestHash: string,
    now: Date,
    pendingUntil: Date,
  ): Promise<IdempotencyRecord | undefined> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            key: { S: keyHash },
            state: { S: 'pending' },
            requestHash: { S: requestHash },
            expiresAt: { N: epochSeconds(pendingUntil) },
          },
          ConditionExpression: 'attribute_not_exists(#key) OR expiresAt < :now',
          ExpressionAttributeNames: { '#key': 'key' },
          ExpressionAttributeValues: { ':now': { N: epochSeconds(now) } },
          // A lost claim answers with the holder's record: one round trip, no read after it.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return undefined;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // The condition failed, so an item was there; without it DynamoDB did not say why.
      if (!error.Item)
        throw new MalformedItemError('a refused idempotency claim came back without its record');
      return toRecord(error.Item);
    }
  }

  async complete(keyHash: string, sealed: Sealed, expiresAt: Date): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { key: { S: keyHash } },
        UpdateExpression: 'SET #state = :done, iv = :iv, ciphertext = :c, tag = :tag, expiresAt = :exp',
        ConditionExpression: '#state = :pending',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':done': { S: 'done' },
          ':pending': { S: 'pending' },
          ':iv': { S: sealed.iv },
          ':c': { S: sealed.ciphertext },
          ':tag': { S: sealed.tag },
          ':exp': { N: epochSeconds(expiresAt) },
        },
      }),
    );
  }

  async release(keyHash: string): Promise<void> {
    await this.client.send(
      new DeleteItemCommand({
        TableName: this.tableName,
        Key: { key: { S: keyHash } },
        ConditionExpression: '#state = :pending',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':pending': { S: 'pending' } },
      }),
    );
  }
}
