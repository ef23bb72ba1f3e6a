import { api, errorText } from '../api.js';
import type { PortalSettings } from '../auth.js';
import { button, type Child, dataTable, el, field, replaceChildren, status, when } from '../dom.js';
import { bool, list, num, personOf, text } from '../wire.js';

const COLUMNS = [
  'Time',
  'Action',
  'Outcome',
  'Principal',
  'Account',
  'Role',
  'Access key',
  'Reason',
] as const;

function eventRow(event: unknown): HTMLElement {
  const cells: Child[] = [
    when(text(event, 'time')),
    text(event, 'action'),
    text(event, 'outcome'),
    personOf(text(event, 'callerName'), text(event, 'principal')),
    text(event, 'accountId'),
    text(event, 'roleArn'),
    text(event, 'accessKeyId'),
    text(event, 'reason') || text(event, 'detail'),
  ];
  return el('tr', { 'data-event': text(event, 'eventId') }, ...cells.map((c) => el('td', {}, c)));
}

function eventTable(events: readonly unknown[]): HTMLElement {
  return dataTable(`${events.length} events`, COLUMNS, events.map(eventRow));
}

/** datetime-local has no zone; the auditor means their own clock, sent as UTC. */
const isoOf = (local: string): string | undefined => (local ? new Date(local).toISOString() : undefined);

/**
 * The principal a person field means. The table shows a person as `name (principal)`; what
 * is typed may be the principal, or the email shown beside it, which at the portal's IdP is
 * the subject (`<issuer>#<email>`), as with the local IdP and IdPs whose subjects are emails.
 */
export function principalOf(typed: string, issuer: string): string {
  const value = typed.trim();
  const inParentheses = /\(([^()]+)\)\s*$/.exec(value)?.[1];
  if (inParentheses) return inParentheses;
  if (!issuer || value.includes('#') || value.startsWith('arn:') || !value.includes('@')) return value;
  return `${issuer}#${value}`;
}

function searchQuery(
  inputs: Record<string, HTMLInputElement | HTMLSelectElement>,
  settings: PortalSettings,
): URLSearchParams {
  const query = new URLSearchParams();
  for (const [name, input] of Object.entries(inputs)) {
    const typed = input.value.trim();
    const value =
      name === 'from' || name === 'to'
        ? isoOf(input.value)
        : name === 'principal' && typed
          ? principalOf(typed, settings.issuer)
          : typed;
    if (value) query.set(name, value);
  }
  return query;
}

function searchPanel(settings: PortalSettings): HTMLElement {
  const outcome = el(
    'select',
    {},
    ...['', 'issued', 'denied', 'error', 'applied'].map((o) => el('option', { value: o }, o || 'any')),
  );
  const inputs = {
    principal: el('input', { type: 'text' }),
    accountId: el('input', { type: 'text', inputmode: 'numeric', pattern: '\\d{12}' }),
    roleArn: el('input', { type: 'text' }),
    outcome,
    from: el('input', { type: 'datetime-local' }),
    to: el('input', { type: 'datetime-local' }),
  };
  const report = status();
  const results = el('div', {});
  let cursor: string | undefined;
  const search = async (next: boolean): Promise<void> => {
    try {
      const query = searchQuery(inputs, settings);
      query.set('limit', '50');
      if (next && cursor) query.set('cursor', cursor);
      const { body } = await api(`/v1/audit/events?${query}`);
      cursor = text(body, 'nextCursor') || undefined;
      replaceChildren(
        results,
        eventTable(list(body, 'events')),
        cursor ? button('Next page', () => search(true)) : null,
      );
      report.textContent = '';
    } catch (error) {
      report.textContent = errorText(error);
    }
  };
  const exportNdjson = async (): Promise<void> => {
    try {
      const query = searchQuery(inputs, settings);
      query.set('format', 'ndjson');
      const response = await api(`/v1/audit/events?${query}`);
      const link = el(
        'a',
        {
          href: URL.createObjectURL(new Blob([response.text], { type: 'application/x-ndjson' })),
          download: 'credvend-audit.ndjson',
        },
        'Download the export again',
      );
      // In the page, so the browser treats the click as this document's download.
      replaceChildren(results, link);
      link.click();
      report.textContent = `Exported ${response.text.split('\n').filter(Boolean).length} events.`;
    } catch (error) {
      report.textContent = errorText(error);
    }
  };
  const form = el(
    'form',
    { class: 'search' },
    field('Person: principal, or the email shown', inputs.principal),
    field('Account', inputs.accountId),
    field('Role ARN', inputs.roleArn),
    field('Outcome', outcome),
    field('From', inputs.from),
    field('To', inputs.to),
    el('button', { type: 'submit' }, 'Search'),
    button('Export NDJSON', exportNdjson),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void search(false);
  });
  return el(
    'section',
    { 'aria-labelledby': 'search-h' },
    el('h3', { id: 'search-h' }, 'Search events'),
    form,
    report,
    results,
  );
}

function keyPanel(): HTMLElement {
  const key = el('input', { type: 'text', pattern: '[A-Z0-9]{16,128}', required: true });
  const report = status();
  const result = el('div', {});
  const form = el(
    'form',
    {},
    field('Access key id (from CloudTrail)', key),
    el('button', { type: 'submit' }, 'Find issuance'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      try {
        const { body } = await api(`/v1/audit/access-keys/${encodeURIComponent(key.value.trim())}`);
        replaceChildren(result, eventTable([body]));
        report.textContent = `Issued to ${personOf(text(body, 'callerName'), text(body, 'principal'))} for ${text(body, 'roleArn')}.`;
      } catch (error) {
        report.textContent = errorText(error);
      }
    })();
  });
  return el(
    'section',
    { 'aria-labelledby': 'key-h' },
    el('h3', { id: 'key-h' }, 'Who holds this key?'),
    form,
    report,
    result,
  );
}

const ACTIVITY_COLUMNS = ['Time', 'Service', 'Action', 'Resource', 'Error code', 'Source IP'] as const;

/** One call as CloudTrail recorded it; a call by a session the issued one assumed says so. */
function activityRow(call: unknown): HTMLElement {
  const chained = text(call, 'attribution') === 'role-chain' ? ' (role chain)' : '';
  const cells: Child[] = [
    when(text(call, 'time')),
    text(call, 'service'),
    `${text(call, 'action')}${chained}`,
    list(call, 'resources').map(String).join(', '),
    text(call, 'errorCode'),
    text(call, 'sourceIp'),
  ];
  return el('tr', { 'data-call': text(call, 'eventId') }, ...cells.map((c) => el('td', {}, c)));
}

/** Where each kind of id is looked up: an issuance's record, its access key, or a grant. */
const ACTIVITY_OF = {
  event: (id: string) => `/v1/audit/events/${encodeURIComponent(id)}/activity`,
  key: (id: string) => `/v1/audit/activity?accessKeyId=${encodeURIComponent(id)}`,
  grant: (id: string) => `/v1/audit/activity?accessRequest=${encodeURIComponent(id)}`,
} as const;

/** What an issuance or a grant's sessions did, from CloudTrail (issue 28: the portal shows it). */
function activityPanel(): HTMLElement {
  const kind = el(
    'select',
    {},
    el('option', { value: 'event' }, 'an issuance (audit event id)'),
    el('option', { value: 'key' }, 'an access key id'),
    el('option', { value: 'grant' }, 'a grant (access request id)'),
  );
  const id = el('input', { type: 'text', required: true, maxlength: '128' });
  const report = status();
  const result = el('div', {});
  const form = el(
    'form',
    {},
    field('Activity of', kind),
    field('Id', id),
    el('button', { type: 'submit' }, 'Show activity'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      try {
        const of =
          kind.value === 'key'
            ? ACTIVITY_OF.key
            : kind.value === 'grant'
              ? ACTIVITY_OF.grant
              : ACTIVITY_OF.event;
        const { body } = await api(of(id.value.trim()));
        const calls = list(body, 'records');
        replaceChildren(result, dataTable(`${calls.length} calls`, ACTIVITY_COLUMNS, calls.map(activityRow)));
        const sessions = list(body, 'issuances').length;
        report.textContent = `${calls.length} calls by ${sessions} issued session(s)${bool(body, 'truncated') ? ', more not shown' : ''}.`;
      } catch (error) {
        report.textContent = errorText(error);
      }
    })();
  });
  return el(
    'section',
    { 'aria-labelledby': 'activity-h' },
    el('h3', { id: 'activity-h' }, 'What did the credentials do?'),
    form,
    report,
    result,
  );
}

function verifyPanel(): HTMLElement {
  const from = el('input', { type: 'datetime-local' });
  const to = el('input', { type: 'datetime-local' });
  const report = status();
  const findings = el('ul', {});
  const form = el(
    'form',
    {},
    field('From', from),
    field('To', to),
    el('button', { type: 'submit' }, 'Verify chains'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      try {
        const query = new URLSearchParams();
        const start = isoOf(from.value);
        const end = isoOf(to.value);
        if (start) query.set('from', start);
        if (end) query.set('to', end);
        const { body } = await api(`/v1/audit/verify?${query}`);
        report.textContent = `${bool(body, 'ok') ? 'Verified' : 'NOT verified'}: ${num(body, 'recordsChecked') ?? 0} records in ${num(body, 'chainsChecked') ?? 0} chains, ${num(body, 'digestsChecked') ?? 0} digests.`;
        replaceChildren(
          findings,
          ...list(body, 'findings').map((f) =>
            el(
              'li',
              {},
              `${text(f, 'severity')} ${text(f, 'kind')}: ${text(f, 'detail') || text(f, 'message')}`,
            ),
          ),
        );
      } catch (error) {
        report.textContent = errorText(error);
      }
    })();
  });
  return el(
    'section',
    { 'aria-labelledby': 'verify-h' },
    el('h3', { id: 'verify-h' }, 'Verify the audit'),
    form,
    report,
    findings,
  );
}

export function renderAudit(root: HTMLElement, settings: PortalSettings): void {
  replaceChildren(
    root,
    el('h2', {}, 'Audit'),
    keyPanel(),
    activityPanel(),
    verifyPanel(),
    searchPanel(settings),
  );
}
