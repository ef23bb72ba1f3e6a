import { describe, expect, it } from 'vitest';
import type { AccessRequestNotice } from '../../src/domain/access-requests/ports.js';
import { slackBlocks, slackEscape } from '../../src/notify/slack-sink.js';

const at = new Date('2026-06-01T00:00:00Z');
const notice = (reason: string, requesterName: string, urgent = false): AccessRequestNotice => ({
  transition: urgent ? 'break-glass' : 'requested',
  actor: 'https://idp.example.com#mallory',
  actorAuthMethod: 'oidc',
  urgent,
  at,
  request: {
    id: '01ARZ3NDEKTSV4RRFFQ69G5FAV',
    requestableId: 'prod',
    requestableVersion: 1,
    requester: 'https://idp.example.com#mallory',
    requesterSubject: 'oidc|https://idp.example.com|mallory',
    requesterName,
    accountId: '222222222222',
    roleArn: 'arn:aws:iam::222222222222:role/admin',
    reason,
    grantSeconds: 3600,
    createdAt: at,
    answerBy: at,
    quorum: 1,
    state: 'requested',
    approvals: [],
    breakGlass: urgent,
    reviewRequired: urgent,
    version: 1,
  },
});
const sectionText = (n: AccessRequestNotice): string => {
  const [first] = slackBlocks(n);
  return first?.type === 'section' ? (first.text?.text ?? '') : '';
};

describe('Slack text', () => {
  it('escapes & < > so a reason or a name cannot mention @here, ping a user or plant a link', () => {
    expect(slackEscape('<!here> & <@U123> <https://evil.example|bank>')).toBe(
      '&lt;!here&gt; &amp; &lt;@U123&gt; &lt;https://evil.example|bank&gt;',
    );
    const text = sectionText(notice('fix <!here> <https://evil.example|login>', '<@U0BOSS>'));
    expect(text).not.toMatch(/<[!@h]/);
    expect(text).toContain('&lt;!here&gt;');
  });

  it("shows the requester's principal beside its display name", () => {
    expect(sectionText(notice('fix it', 'Alice Admin'))).toContain(
      'Alice Admin (https://idp.example.com#mallory)',
    );
  });

  it("keeps credvend's own channel mention for break-glass, and only that one", () => {
    const text = sectionText(notice('<!channel> again', 'x', true));
    expect(text.match(/<!channel>/g)).toHaveLength(1);
  });
});
