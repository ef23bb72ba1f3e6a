import { type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import * as z from 'zod';
import type { ChainedAuditEvent } from '../domain/audit/audit.js';
import { policyDocumentSchema, statementsOf } from '../domain/policy/policy.js';
import {
  IntentCompletedError,
  type RevocationIntent,
  type RevocationIntentLog,
} from '../domain/revocation/ports.js';
import { AUTH_METHODS } from '../domain/shared/types.js';
import { type Item, MalformedItemError } from './attribute-values.js';
import type { AuditTable } from './audit-items.js';
import { writeAudited } from './audited-transaction.js';

/**
 * The one item of the rate-limits table (key `bucket`) that holds revocations not yet
 * complete, one attribute per revoked issuance. One item, not one per intent: the sweep reads
 * every due revocation with one GetItem and needs no index, and an intent lives only from
 * the moment it is asked for until its Deny is on record (seconds, unless IAM or the audit
 * fails). 400 KB holds several hundred; when it is full, recording fails and nothing is done.
 * No `expiresAt`: TTL never removes it.
 */
export const REVOCATION_INTENTS_KEY = 'revocation-intents';
const PREFIX = 'intent#';

const intentSchema = z.object({
  id: z.string().min(1),
  roleArn: z.string().min(1),
  policy: policyDocumentSchema,
  recordedAt: z.iso.datetime({ offset: true }).transform((value) => new Date(value)),
  principal: z.string().min(1),
  authMethod: z.enum(AUTH_METHODS),
  requestId: z.string().min(1),
  issuance: z.object({
    entitlementId: z.string().optional(),
    accountId: z.string().optional(),
    sourceIdentity: z.string().optional(),
    accessKeyId: z.string().optional(),
  }),
});

export class DynamoDbRevocationIntentLog implements RevocationIntentLog {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tables: { rateLimits: string; audit: AuditTable },
  ) {}

  async record(intent: RevocationIntent): Promise<void> {
    const { statement, ...rest } = intent;
    const stored = { ...rest, policy: { Version: '2012-10-17', Statement: [statement] } };
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tables.rateLimits,
        Key: { bucket: { S: REVOCATION_INTENTS_KEY } },
        UpdateExpression: 'SET #intent = :intent',
        ExpressionAttributeNames: { '#intent': `${PREFIX}${intent.id}` },
        ExpressionAttributeValues: { ':intent': { S: JSON.stringify(stored) } },
      }),
    );
  }

  async due(limit: number): Promise<RevocationIntent[]> {
    const output = await this.client.send(
      new GetItemCommand({
        TableName: this.tables.rateLimits,
        Key: { bucket: { S: REVOCATION_INTENTS_KEY } },
        ConsistentRead: true,
      }),
    );
    return intentsOf(output.Item ?? {})
      .sort((a, b) => a.recordedAt.getTime() - b.recordedAt.getTime())
      .slice(0, limit);
  }

  completeWith(id: string, record: ChainedAuditEvent): Promise<void> {
    return writeAudited(
      this.client,
      [
        {
          Update: {
            TableName: this.tables.rateLimits,
            Key: { bucket: { S: REVOCATION_INTENTS_KEY } },
            UpdateExpression: 'REMOVE #intent',
            ConditionExpression: 'attribute_exists(#intent)',
            ExpressionAttributeNames: { '#intent': `${PREFIX}${id}` },
          },
        },
      ],
      { table: this.tables.audit, record },
      (cause) => new IntentCompletedError(`revocation ${id} is no longer due`, { cause }),
    );
  }
}

/** Every intent in the item, each parsed as untrusted: one that does not parse is an error, never skipped. */
function intentsOf(item: Item): RevocationIntent[] {
  return Object.entries(item)
    .filter(([name]) => name.startsWith(PREFIX))
    .map(([name, value]) => {
      let raw: unknown;
      try {
        raw = JSON.parse(value.S ?? '');
      } catch {
        throw new MalformedItemError(`attribute ${name} is not JSON`);
      }
      const parsed = intentSchema.safeParse(raw);
      const [statement] = parsed.success ? statementsOf(parsed.data.policy) : [];
      if (!parsed.success || !statement || `${PREFIX}${parsed.data.id}` !== name) {
        throw new MalformedItemError(`attribute ${name} is not a revocation intent`);
      }
      const { policy: _policy, ...intent } = parsed.data;
      return { ...intent, statement };
    });
}
