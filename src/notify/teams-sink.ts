import { isReviewNotice, type Notice, type NoticeSink, noticeLink, noticeText, scopeText } from './notice.js';
import { withoutControlCharacters } from './plain-text.js';

/**
 * Adaptive Card TextBlocks and facts render a subset of Markdown: emphasis, lists and links.
 * User text is escaped so that a reason cannot plant a disguised link (`[text](url)`), bold
 * a fake "APPROVED", or start a list; `<at>` mentions need entities credvend never sends.
 */
export function teamsMarkdownEscape(text: string): string {
  return withoutControlCharacters(text).replace(/[\\`*_{}[\]()#+\-.!~|>]/g, (c) => `\\${c}`);
}

/** The message a Teams incoming webhook or Workflows ("When a Teams webhook request is received") URL takes. */
function teamsFacts(notice: Notice) {
  const fact = (title: string, value: string) => ({ title, value: teamsMarkdownEscape(value) });
  if (isReviewNotice(notice)) {
    const r = notice.review;
    return [
      fact('Review', r.id),
      fact('Scope', scopeText(r)),
      fact('Deadline', r.deadline.toISOString()),
      fact('Undecided', `${notice.undecided} of ${r.items} (then ${r.deadlineDefault})`),
    ];
  }
  const r = notice.request;
  return [
    fact('Request', r.id),
    fact('Account', r.accountId),
    fact('Role', r.roleArn),
    fact('State', `${r.state} (${r.approvals.length}/${r.quorum} approvals)`),
    fact('Requester', `${r.requesterName} (${r.requester})`),
    ...(r.ticket !== undefined ? [fact('Ticket', r.ticket)] : []),
  ];
}

export function teamsMessage(notice: Notice, portalUrl: string | undefined) {
  const facts = teamsFacts(notice);
  const urgent = !isReviewNotice(notice) && notice.urgent;
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            {
              type: 'TextBlock',
              text: teamsMarkdownEscape(noticeText(notice)),
              wrap: true,
              weight: 'Bolder',
              ...(urgent ? { color: 'Attention' } : {}),
            },
            { type: 'FactSet', facts },
          ],
          // Decisions stay where the caller is authenticated: the portal, the CLI, Slack.
          actions: portalUrl
            ? [
                {
                  type: 'Action.OpenUrl',
                  title: 'Open in credvend',
                  url: noticeLink(notice, portalUrl),
                },
              ]
            : [],
        },
      },
    ],
  };
}

/** Posts each notice as an Adaptive Card to a Microsoft Teams webhook URL (which is itself a secret). */
export function teamsSink(settings: {
  /** The webhook URL, read at run time (it embeds its own signature: a secret). */
  url: () => Promise<string>;
  portalUrl?: string;
  timeoutMs: number;
}): NoticeSink {
  return {
    name: 'teams',
    async deliver(notice) {
      const response = await fetch(await settings.url(), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(teamsMessage(notice, settings.portalUrl)),
        redirect: 'error',
        signal: AbortSignal.timeout(settings.timeoutMs),
      });
      // The URL holds the webhook's signature: an error never repeats it.
      if (!response.ok) throw new Error(`teams webhook answered ${response.status}`);
    },
  };
}
