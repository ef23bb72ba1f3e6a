import { createHmac, timingSafeEqual } from 'node:crypto';
import { AuthenticationError } from '../domain/shared/errors.js';

/** Slack's replay window: a request signed more than five minutes from now is refused. */
const SLACK_MAX_SKEW_SECONDS = 300;

function slackSignature(signingSecret: string, timestamp: string, body: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/**
 * Verifies Slack's request signature (`X-Slack-Signature`, version v0: HMAC-SHA256 over
 * `v0:<X-Slack-Request-Timestamp>:<raw body>` under the app's signing secret), compared in
 * constant time, with the timestamp inside the replay window.
 */
export function verifySlackRequest(
  signingSecret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string,
  now: Date,
): void {
  const { timestamp, signature } = headers;
  if (!timestamp || !/^\d{1,12}$/.test(timestamp) || !signature) {
    throw new AuthenticationError('Slack request rejected: missing signature headers');
  }
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > SLACK_MAX_SKEW_SECONDS) {
    throw new AuthenticationError('Slack request rejected: timestamp outside the 5-minute window');
  }
  const expected = Buffer.from(slackSignature(signingSecret, timestamp, body));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new AuthenticationError('Slack request rejected: bad signature');
  }
}
