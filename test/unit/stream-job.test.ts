import type { DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { compose } from '../../src/compose/composition.js';
import { createStreamJob } from '../../src/compose/stream.js';
import { loadConfig } from '../../src/config.js';
import type { Logger } from '../../src/logging.js';

/** The stream job's reading of removals: TTL's are the hot window ending, any other is tampering. */
function job() {
  const errors: string[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: (message) => errors.push(message),
  };
  const root = { ...compose(loadConfig({}), { kind: 'node', sourceIp: () => undefined }), logger };
  return { run: createStreamJob(root), errors };
}

const removal = (userIdentity?: { type: string; principalId: string }): DynamoDBStreamEvent => ({
  Records: [
    {
      eventName: 'REMOVE',
      dynamodb: { Keys: { eventId: { S: '01KJKEHJM0RH1Q6QMPFMFCCM96' } } },
      ...(userIdentity ? { userIdentity } : {}),
    },
  ],
});

describe('stream job: records removed from the audit table', () => {
  it('takes a removal by TTL (DynamoDB’s service identity) as the hot window ending, not as tampering', async () => {
    const { run, errors } = job();
    await run(removal({ type: 'Service', principalId: 'dynamodb.amazonaws.com' }));
    expect(errors).toEqual([]);
  });

  it.each([
    ['a delete by anyone else', undefined],
    ['a caller naming itself like TTL', { type: 'Service', principalId: 'someone.example.com' }],
  ])('logs %s as a record changed in place', async (_, identity) => {
    const { run, errors } = job();
    await run(removal(identity));
    expect(errors).toEqual(['audit record changed in place']);
  });
});
