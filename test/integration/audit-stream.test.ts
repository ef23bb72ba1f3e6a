import { randomBytes } from 'node:crypto';
import { CreateTableCommand, type DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { DynamoDbAuditSink } from '../../src/aws/dynamodb-audit-sink.js';
import { auditTableDefinition } from '../../src/aws/table-schema.js';
import { compose } from '../../src/compose/composition.js';
import { createStreamJob } from '../../src/compose/stream.js';
import { loadConfig } from '../../src/config.js';
import type { AuditEvent } from '../../src/domain/audit/audit.js';
import { ChainedAuditLog } from '../../src/domain/audit/chain.js';
import { auditEventDetailSchema } from '../../src/domain/audit/event-schema.js';
import { newEventId } from '../../src/domain/shared/ids.js';
import { DETAIL_ONLY, issuancesPattern } from '../../src/local/seed-anchoring.js';
import {
  type StreamCheckpoints,
  type StreamPoller,
  startStreamPoller,
} from '../../src/local/stream-poller.js';
import { tableStreamArn } from '../../src/local/tables.js';
import { credentialsResponseWire } from '../../src/wire/credentials.js';
import { readWire } from '../fixtures/read-wire.js';
import { devToken, dynamodb, type Identities, identitiesOnAuditTable, stack, vendApp } from './support.js';

// 200 records span several stream batches on each side of the restart; STREAM_RECORDS=1000
// (or more) makes a heavier run of the same test.
const RECORDS = Number(process.env.STREAM_RECORDS ?? 200);
const VENDED = 20;

/**
 * The event stream end to end: records land in an audit table of this test's own, the
 * stream publisher (the stream Lambda's handler, fed by the local event source mapping)
 * puts them on EventBridge (moto), and the audit guide's rule forwards one account's
 * issuances to an SQS queue. The publisher is stopped and a new one started mid-run.
 */
describe('audit event stream', () => {
  const id = randomBytes(4).toString('hex');
  const table = `credvend-audit-stream-${id}`;
  const source = `credvend.test-${id}`;
  const aws = { region: 'us-east-1', endpoint: stack().stsEndpoint, credentials: stack().operator };
  const sqs = new SQSClient(aws);
  let client: DynamoDBClient;
  let queueUrl: string;
  const checkpoints: StreamCheckpoints = new Map();
  const publisherErrors: unknown[] = [];
  let poller: StreamPoller | undefined;
  // The template's stream and vend roles, deployed for this test's audit table.
  let identities: Identities;
  let streamArn: string;

  const config = () =>
    loadConfig({ ...stack().credvendEnv, CREDVEND_AUDIT_TABLE: table, CREDVEND_EVENT_SOURCE: source });
  const startPublisher = () =>
    startStreamPoller({
      endpoint: stack().dynamodbEndpoint,
      region: 'us-east-1',
      credentials: identities('stream'),
      streamArn,
      handler: createStreamJob(
        compose(config(), {
          kind: 'node',
          sourceIp: () => undefined,
          credentials: identities('stream'),
        }),
      ),
      checkpoints,
      onError: (error) => {
        publisherErrors.push(error);
      },
    });

  beforeAll(async () => {
    client = dynamodb();
    await client.send(new CreateTableCommand(auditTableDefinition(table)));
    await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1 }, { TableName: table });
    streamArn = await tableStreamArn(client, table);
    identities = await identitiesOnAuditTable(table, ['stream', 'vend']);
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: `credvend-issuances-${id}` }));
    queueUrl = queue.QueueUrl ?? '';
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    const events = new EventBridgeClient(aws);
    const rule = `issuances-${id}`;
    await events.send(
      new PutRuleCommand({ Name: rule, EventPattern: issuancesPattern(source, stack().targetAccountId) }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: rule,
        Targets: [{ Id: 'queue', Arn: Attributes?.QueueArn ?? '', InputTransformer: DETAIL_ONLY }],
      }),
    );
    events.destroy();
  }, 60_000);

  afterAll(async () => {
    await poller?.stop();
    client?.destroy();
    sqs.destroy();
  });

  async function drain(expected: number): Promise<string[]> {
    const bodies: string[] = [];
    let idle = 0;
    while (idle < 3) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      if (Messages.length === 0) {
        // Wait for the publisher only while messages are still missing; then make sure no extra arrive.
        idle += bodies.length >= expected ? 1 : 0;
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      bodies.push(...Messages.map((m) => m.Body ?? ''));
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
        }),
      );
    }
    return bodies;
  }

  it(`delivers each of ${RECORDS + VENDED} issuances to the queue exactly once across a publisher restart`, async () => {
    poller = startPublisher();
    const log = new ChainedAuditLog(new DynamoDbAuditSink(client, table), () => newEventId(), 16);
    const issued = new Set<string>();
    const others = new Set<string>();
    const write = async (n: number) => {
      const event: AuditEvent = {
        eventId: newEventId(),
        time: new Date().toISOString(),
        action: 'credentials.issue',
        // Every tenth is a denial or goes to another account: the rule must not forward those.
        outcome: n % 10 === 3 ? 'denied' : 'issued',
        requestId: `stream-${n}`,
        principal: `https://idp.example.com#stream-${n % 7}`,
        authMethod: 'oidc',
        accountId: n % 10 === 7 ? '333333333333' : stack().targetAccountId,
        accessKeyId: `ASIASTREAM${String(n).padStart(10, '0')}`,
      };
      await log.append(event);
      (event.outcome === 'issued' && event.accountId === stack().targetAccountId ? issued : others).add(
        event.eventId,
      );
    };
    const writeRange = async (start: number, end: number) => {
      for (let n = start; n < end; n += 25) {
        await Promise.all(Array.from({ length: Math.min(25, end - n) }, (_, i) => write(n + i)));
      }
    };
    await writeRange(0, RECORDS / 2);
    // Restart mid-run: the new publisher resumes from the checkpoints the old one left.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await poller.stop();
    poller = startPublisher();
    await writeRange(RECORDS / 2, RECORDS);

    // Some through the real vend path, with real STS credentials.
    const vend = vendApp({ CREDVEND_AUDIT_TABLE: table }, identities);
    const token = await devToken('alice@example.com');
    const secrets: string[] = [];
    for (let i = 0; i < VENDED; i++) {
      const response = await vend.request('/v1/credentials', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ entitlement: 'demo-readonly' }),
      });
      expect(response.status).toBe(200);
      const body = await readWire(response, credentialsResponseWire);
      issued.add(body.eventId);
      secrets.push(body.credentials.secretAccessKey, body.credentials.sessionToken, token);
    }

    const bodies = await drain(issued.size);
    // The queue gets each event's detail (the rule's input transformer), in the versioned schema.
    const envelope = z.object({ detail: z.unknown() });
    const details = bodies.map((body) =>
      auditEventDetailSchema.parse(envelope.parse(JSON.parse(body)).detail),
    );
    const eventIds = details.map((detail) => detail.eventId);
    expect(eventIds.length).toBe(issued.size);
    expect(new Set(eventIds).size).toBe(eventIds.length);
    expect(new Set(eventIds)).toEqual(issued);
    for (const detail of details)
      expect(detail).toMatchObject({ action: 'credentials.issue', outcome: 'issued' });
    expect(eventIds.filter((eventId) => others.has(eventId))).toEqual([]);
    // Never a secret: no secret key, session token or bearer token anywhere in what was published.
    for (const secret of secrets) expect(bodies.some((body) => body.includes(secret))).toBe(false);
    expect(publisherErrors).toEqual([]);
  }, 360_000);
});
