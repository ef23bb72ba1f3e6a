import type { KnownBlock } from '@slack/web-api';
import { LogLevel, WebClient } from '@slack/web-api';
import { isReviewNotice, type Notice, type NoticeSink, noticeText } from './notice.js';

export const SLACK_APPROVE_ACTION = 'credvend.approve';
export const SLACK_DENY_ACTION = 'credvend.deny';

/**
 * Text as Slack must receive it: `&`, `<` and `>` escaped, so a requester's reason or name
 * can never become a mention (`<!here>`), a user ping or a link Slack renders.
 */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Blocks of a notice: its text, and Approve/Deny buttons while the request awaits decisions. */
export function slackBlocks(notice: Notice): KnownBlock[] {
  const text = slackEscape(noticeText(notice));
  // A review is decided in the portal or the CLI, where the reviewer is authenticated.
  if (isReviewNotice(notice)) return [{ type: 'section', text: { type: 'mrkdwn', text } }];
  const r = notice.request;
  // The only markup credvend sends is its own: the alarm and channel mention of break-glass.
  const headline = notice.urgent ? `:rotating_light: <!channel> ${text}` : text;
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: headline } },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `account ${r.accountId} · ${r.approvals.length}/${r.quorum} approvals · ${r.state}`,
        },
      ],
    },
  ];
  if (r.state === 'requested') {
    blocks.push({
      type: 'actions',
      block_id: `credvend.${r.id}`,
      elements: [
        {
          type: 'button',
          action_id: SLACK_APPROVE_ACTION,
          style: 'primary',
          text: { type: 'plain_text', text: 'Approve' },
          value: r.id,
        },
        {
          type: 'button',
          action_id: SLACK_DENY_ACTION,
          style: 'danger',
          text: { type: 'plain_text', text: 'Deny' },
          value: r.id,
        },
      ],
    });
  }
  return blocks;
}

/** chat.postMessage through Slack's own client; the base URL is configurable (tests use a stand-in). */
export function slackSink(settings: {
  /** The bot token, read at run time (a rotation is picked up without a new client). */
  token: () => Promise<string>;
  channel: string;
  apiUrl: string;
  timeoutMs: number;
}): NoticeSink {
  const client = new WebClient(undefined, {
    slackApiUrl: settings.apiUrl,
    // credvend retries with its own bounded backoff; the client's own would multiply it.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: settings.timeoutMs,
    logLevel: LogLevel.ERROR,
  });
  return {
    name: 'slack',
    async deliver(notice) {
      await client.chat.postMessage({
        token: await settings.token(),
        channel: settings.channel,
        text: slackEscape(noticeText(notice)),
        blocks: slackBlocks(notice),
      });
    },
  };
}
