import { describe, expect, it } from 'vitest';
import { grantRow } from '../../src/cli/commands/requests.js';
import type { AccessRequestWire } from '../../src/wire/access-requests.js';

const now = new Date('2026-06-01T12:00:00Z');
const minutes = (n: number) => new Date(now.getTime() + n * 60_000).toISOString();

function grant(start: string, end: string): AccessRequestWire {
  return {
    id: '01J0000000000000000000000A',
    requestable: 'prod-read',
    requester: 'https://idp.example.com#alice',
    requesterName: 'alice@example.com',
    accountId: '222222222222',
    roleArn: 'arn:aws:iam::222222222222:role/read',
    reason: 'incident',
    durationSeconds: 3600,
    state: 'active',
    createdAt: minutes(-60),
    answerBy: minutes(600),
    quorum: 1,
    approvals: [],
    grant: { entitlement: 'grant-01J0000000000000000000000A', start, end },
    breakGlass: false,
    reviewRequired: false,
    version: 2,
  };
}

describe('credvend grants', () => {
  it('says active while a session can still be issued, and what to type', () => {
    expect(grantRow(grant(minutes(-30), minutes(16)), now)).toMatchObject({
      state: 'active',
      use: 'credvend creds grant-01J0000000000000000000000A',
    });
  });

  it('says ending once less than STS’s shortest session is left (nothing more issues)', () => {
    expect(grantRow(grant(minutes(-50), minutes(14)), now).state).toBe('ending');
  });

  it('says scheduled, with its start, before a scheduled grant begins', () => {
    expect(grantRow(grant(minutes(120), minutes(180)), now)).toMatchObject({
      state: 'scheduled',
      from: minutes(120),
      until: minutes(180),
    });
  });
});
