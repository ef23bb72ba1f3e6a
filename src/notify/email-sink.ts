import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { AccessRequestNotice } from '../domain/access-requests/ports.js';
import type { ReviewNotice } from '../domain/reviews/ports.js';
import { isReviewNotice, type Notice, type NoticeSink, noticeLink, noticeText, scopeText } from './notice.js';
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
  if (r.requestedStart)
    lines.push(`Starts:    ${r.requestedStart.toISOString()} (scheduled by the requester)`);
  if (r.grantEnd) lines.push(`Grant ends: ${r.grantEnd.toISOString()}`);
  if (portalUrl) lines.push('', `Open it in credvend: ${new URL(`requests/${r.id}`, `${portalUrl}/`).href}`);
  const e = notice.transition.includes('extension') ? r.extension : undefined;
  if (e)
    lines.push(
      `Extension: ${e.seconds} s more from ${e.fromEnd.toISOString()} (${e.state}): ${withoutControlCharacters(e.reason)}`,
    );
  lines.push(
    '',
    e
      ? `Decide with the portal or the CLI (credvend approve-extension|deny-extension ${r.id}).`
      : `Decide with the portal, the CLI (credvend requests approve|deny ${r.id}) or Slack.`,
  );
  return lines.join('\n');
}

function reviewEmailBody(notice: ReviewNotice, portalUrl: string | undefined): string {
  const r = notice.review;
  const lines = [
    withoutControlCharacters(noticeText(notice)),
    '',
    `Review:    ${r.id}`,
    `Scope:     ${withoutControlCharacters(scopeText(r))}`,
    `Deadline:  ${r.deadline.toISOString()}`,
    `Undecided: ${notice.undecided} of ${r.items} (at the deadline: ${r.deadlineDefault})`,
  ];
  if (r.description !== undefined) lines.push(`About:     ${withoutControlCharacters(r.description)}`);
  if (portalUrl) lines.push('', `Review it in credvend: ${noticeLink(notice, portalUrl)}`);
  lines.push('', `Decide with the portal or the CLI (credvend reviews show ${r.id}).`);
  return lines.join('\n');
}

function bodyOf(notice: Notice, portalUrl: string | undefined): string {
  return isReviewNotice(notice) ? reviewEmailBody(notice, portalUrl) : emailBody(notice, portalUrl);
}

/**
 * A grant about to end is its holder's news: it goes to the holder's verified email when the
 * request carries one (the configured list otherwise); every other notice to the list.
 */
function recipientsOf(notice: Notice, list: readonly string[]): string[] {
  if (isReviewNotice(notice)) return [...list];
  const holder = notice.request.requesterEmail;
  return notice.transition === 'grant-ending' && holder !== undefined ? [holder] : [...list];
}

/** Sends each notice by email through Amazon SES (API v2), to a fixed list of recipients. */
export function emailSink(settings: EmailSinkSettings, client: SESv2Client): NoticeSink {
  return {
    name: 'email',
    async deliver(notice) {
      const urgent = !isReviewNotice(notice) && notice.urgent;
      const subject = oneLine(`${urgent ? '[BREAK-GLASS] ' : ''}credvend: ${noticeText(notice)}`, 200);
      await client.send(
        new SendEmailCommand({
          FromEmailAddress: settings.from,
          Destination: { ToAddresses: recipientsOf(notice, settings.to) },
          Content: {
            Simple: {
              Subject: { Data: subject, Charset: 'UTF-8' },
              Body: { Text: { Data: bodyOf(notice, settings.portalUrl), Charset: 'UTF-8' } },
            },
          },
        }),
      );
    },
  };
}
