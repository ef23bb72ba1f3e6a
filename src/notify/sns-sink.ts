import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { type Notice, type NoticeSink, noticePayload, noticeText } from './notice.js';
import { oneLine } from './plain-text.js';

/** SNS refuses a subject that is not printable ASCII or longer than 100 characters. */
function snsSubject(notice: Notice): string {
  const ascii = noticeText(notice).replace(/[^\x20-\x7e]/g, '?');
  return oneLine(`credvend: ${ascii}`, 100);
}

/**
 * Publishes each notice to an SNS topic: the message is the same JSON a webhook receives (no
 * secret, only the request's facts), so subscribers (SQS, Lambda, email, chat bridges) parse
 * one documented shape. `type` and `urgent` are message attributes, so a subscription's
 * filter policy can pick, say, break-glass notices only.
 */
export function snsSink(settings: { topicArn: string }, client: SNSClient): NoticeSink {
  return {
    name: 'sns',
    async deliver(notice) {
      const payload = noticePayload(notice);
      await client.send(
        new PublishCommand({
          TopicArn: settings.topicArn,
          Subject: snsSubject(notice),
          Message: JSON.stringify(payload),
          MessageAttributes: {
            type: { DataType: 'String', StringValue: payload.type },
            urgent: { DataType: 'String', StringValue: String(payload.urgent) },
          },
        }),
      );
    },
  };
}
