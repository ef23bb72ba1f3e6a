import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { AccessRequestNotice } from '../domain/access-requests/ports.js';
import { type NoticeSink, noticeText } from './notice.js';
import { oneLine, withoutControlCharacters } from './plain-text.js';

export interface EmailSinkSettings {
  /** A verified SES identity. */
  from: string;
  to: readonly string[];
  /** The portal's base URL, for a link to the request; none when the portal is off. */
  portalUrl?: string;
}

/**
 * The body is plain text only: no HTML part means nothing a requester types (a reason, a
 * display name) can become markup, a disguised link or a hidden line in the approver's mail.
 */
function emailBody(notice: AccessRequestNotice, portalUrl: string | undefined): string {
  const r = notice.request;
  const lines = [
    withoutControlCharacters(noticeText(notice)),
    '',
    `Request:   ${r.id}`,
    `Account:   ${r.accountId}`,
    `Role:      ${r.roleArn}`,
    `State:     ${r.state} (${r.approvals.length}/${r.quorum} approvals)`,
    `Requester: ${withoutControlCharacters(r.requesterName)} (${r.requester})`,
    `Reason:    ${withoutControlCharacters(r.reason)}`,
  ];
  if (r.ticket !== undefined) lines.push(`Ticket:    ${withoutControlCharacters(r.ticket)}`);
  if (r.grantEnd) lines.push(`Grant ends: ${r.grantEnd.toISOString()}`);
  if (portalUrl) lines.push('', `Open it in credvend: ${new URL(`requests/${r.id}`, `${portalUrl}/`).href}`);
  lines.push('', `Decide with the portal, the CLI (credvend requests approve|deny ${r.id}) or Slack.`);
  return lines.join('\n');
}

/** Sends each notice by email through Amazon SES (API v2), to a fixed list of recipients. */
export function emailSink(settings: EmailSinkSettings, client: SESv2Client): NoticeSink {
  return {
    name: 'email',
    async deliver(notice) {
      const subject = oneLine(`${notice.urgent ? '[BREAK-GLASS] ' : ''}credvend: ${noticeText(notice)}`, 200);
      await client.send(
        new SendEmailCommand({
          FromEmailAddress: settings.from,
          Destination: { ToAddresses: [...settings.to] },
          Content: {
            Simple: {
              Subject: { Data: subject, Charset: 'UTF-8' },
              Body: { Text: { Data: emailBody(notice, settings.portalUrl), Charset: 'UTF-8' } },
            },
          },
        }),
      );
    },
  };
}
