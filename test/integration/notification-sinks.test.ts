import type { AddressInfo } from 'node:net';
import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { accessRequestWire } from '../../src/wire/access-requests.js';
import { call, people, principalOf, putRequestable, requestsApp } from './access-request-support.js';
import { putSecret, stack } from './support.js';

/** A reason that tries every trick a chat or mail markup offers. */
const HOSTILE_REASON = 'fix **APPROVED** [click me](https://evil.example/x) <at>everyone</at> & <b>';

const awsOptions = () => ({
  region: 'us-east-1',
  endpoint: stack().stsEndpoint,
  credentials: stack().operator,
});

/** What moto's SES kept of each message (its own state dump: moto-api/data.json). */
const sentMail = z.object({
  ses: z.object({
    Message: z.array(
      z.object({
        source: z.string(),
        subject: z.string(),
        body: z.string(),
        destinations: z.object({ ToAddresses: z.array(z.string()) }),
      }),
    ),
  }),
});

/** The envelope SNS delivers to an SQS subscriber (raw delivery off). */
const snsEnvelope = z.object({
  Type: z.literal('Notification'),
  Subject: z.string(),
  Message: z.string(),
  MessageAttributes: z.record(z.string(), z.object({ Type: z.string(), Value: z.string() })),
});

async function teamsRecorder() {
  const bodies: unknown[] = [];
  const app = new Hono();
  app.post('/workflows/hook', async (c) => {
    bodies.push(await c.req.json());
    return c.body(null, 202);
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/workflows/hook`,
    bodies,
    close: () => new Promise((r) => server.close(r)),
  };
}

describe('notices by Amazon SNS, Amazon SES and Microsoft Teams', () => {
  const p = people('carol', 'dave');
  const run = p.carol.split('@')[0]?.split('-')[1] ?? 'run';
  const mailbox = `approvals-${run}@example.com`;
  let queueUrl: string;
  let teams: Awaited<ReturnType<typeof teamsRecorder>>;
  let app: ReturnType<typeof requestsApp>;
  let requestable: string;

  beforeAll(async () => {
    const sns = new SNSClient(awsOptions());
    const sqs = new SQSClient(awsOptions());
    // The topic the local template lets the requests role publish to (LOCAL_DEPLOY_PARAMS).
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'credvend-notices' }));
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: `credvend-notices-${run}` }));
    queueUrl = queue.QueueUrl ?? '';
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: Attributes?.QueueArn }));
    await new SESv2Client(awsOptions()).send(
      new CreateEmailIdentityCommand({ EmailIdentity: 'credvend@example.com' }),
    );
    teams = await teamsRecorder();
    app = requestsApp({
      env: {
        CREDVEND_NOTIFY_SNS_TOPIC_ARN: TopicArn ?? '',
        CREDVEND_SNS_ENDPOINT: stack().stsEndpoint,
        CREDVEND_NOTIFY_EMAIL_FROM: 'credvend@example.com',
        CREDVEND_NOTIFY_EMAIL_TO: mailbox,
        CREDVEND_SES_ENDPOINT: stack().stsEndpoint,
        CREDVEND_TEAMS_WEBHOOK_URL_SECRET_ID: await putSecret('teams-url', teams.url),
        CREDVEND_PORTAL_URL: 'https://credvend.example.com/portal',
      },
    });
    requestable = await putRequestable(app, {
      requesters: { principals: [principalOf(p.carol)], groups: [] },
      approvers: { principals: [principalOf(p.dave)], groups: [] },
    });
  });

  afterAll(() => teams.close());

  it('delivers one request to all three, each in its own documented shape, with the hostile reason inert', async () => {
    const created = await call(app, p.carol, 'POST', '/v1/access-requests', {
      requestable,
      durationSeconds: 3600,
      reason: HOSTILE_REASON,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const request = accessRequestWire.parse(created.body);

    // SNS → SQS: the webhook's JSON, attributes for filter policies, an ASCII one-line subject.
    const received = await new SQSClient(awsOptions()).send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }),
    );
    const envelopes = (received.Messages ?? []).map((m) => snsEnvelope.parse(JSON.parse(m.Body ?? '')));
    const notice = envelopes.find((e) => e.Message.includes(request.id));
    expect(notice?.MessageAttributes.type?.Value).toBe('access-request.requested');
    expect(notice?.MessageAttributes.urgent?.Value).toBe('false');
    expect(JSON.parse(notice?.Message ?? '{}')).toMatchObject({
      type: 'access-request.requested',
      request: { id: request.id, reason: HOSTILE_REASON },
    });
    expect(notice?.Subject).toMatch(/^credvend: [\x20-\x7e]{1,90}/);
    expect(notice?.Subject.length).toBeLessThanOrEqual(100);
    expect(notice?.Subject).not.toContain('\n');

    // SES: plain text to the configured mailbox, the reason on one line, a link to the portal.
    const dump = await fetch(new URL('/moto-api/data.json', stack().motoStateEndpoint));
    const mail = sentMail.parse(await dump.json()).ses.Message.find((m) => m.body.includes(request.id));
    expect(mail?.destinations.ToAddresses).toEqual([mailbox]);
    expect(mail?.source).toBe('credvend@example.com');
    expect(mail?.subject).not.toMatch(/[\r\n]/);
    expect(mail?.body).toContain(
      `Open it in credvend: https://credvend.example.com/portal/requests/${request.id}`,
    );
    expect(mail?.body).toContain(`Reason:    ${HOSTILE_REASON}\n`);

    // Teams: an Adaptive Card whose markdown cannot bold, link or start a line from the reason.
    const card = JSON.stringify(teams.bodies.find((b) => JSON.stringify(b).includes(request.id)));
    expect(card).toContain('application/vnd.microsoft.card.adaptive');
    expect(card).toContain('\\\\*\\\\*APPROVED\\\\*\\\\*');
    expect(card).toContain('\\\\[click me\\\\]\\\\(https://evil\\\\.example/x\\\\)');
    expect(card).not.toContain('[click me](');
    expect(card).toContain(`https://credvend.example.com/portal/requests/${request.id}`);
  });
});
