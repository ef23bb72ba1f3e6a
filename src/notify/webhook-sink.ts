import { createHmac } from 'node:crypto';
import { type Notice, type NoticeSink, noticePayload } from './notice.js';

const WEBHOOK_TIMESTAMP_HEADER = 'x-credvend-timestamp';
const WEBHOOK_SIGNATURE_HEADER = 'x-credvend-signature';

/**
 * The documented scheme: `v1=` + hex HMAC-SHA256 under the shared secret of
 * `<timestamp>.<raw body>`, the timestamp in Unix seconds. Receivers recompute it, compare
 * in constant time and refuse a timestamp more than 5 minutes from their clock (replay).
 */
function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function webhookSink(
  /** `secret`: the HMAC key, read at run time; unreadable, nothing is sent unsigned. */
  settings: { url: string; secret: () => Promise<string>; timeoutMs: number },
  now: () => Date = () => new Date(),
): NoticeSink {
  return {
    name: 'webhook',
    async deliver(notice: Notice) {
      const secret = await settings.secret();
      const body = JSON.stringify(noticePayload(notice));
      // Signed at each attempt, so a retry carries a fresh timestamp inside the window.
      const timestamp = Math.floor(now().getTime() / 1000);
      const response = await fetch(settings.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [WEBHOOK_TIMESTAMP_HEADER]: String(timestamp),
          [WEBHOOK_SIGNATURE_HEADER]: webhookSignature(secret, timestamp, body),
        },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(settings.timeoutMs),
      });
      if (!response.ok) throw new Error(`webhook answered ${response.status}`);
    },
  };
}
