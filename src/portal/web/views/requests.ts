import { api, errorText } from '../api.js';
import { button, type Child, dataTable, el, field, replaceChildren, status, when } from '../dom.js';
import { bool, child, type Json, list, num, personOf, text } from '../wire.js';

/** One decision: who (display name beside principal, as everywhere) and their comment. */
function decision(verb: string, d: Json | undefined): string {
  const comment = text(d, 'comment');
  return `${verb} by ${personOf(text(d, 'name'), text(d, 'principal'))}${comment ? ` (“${comment}”)` : ''}`;
}

function decisions(request: Json): string {
  const made = list(request, 'approvals').map((a) => decision('approved', a));
  const denial = child(request, 'denial');
  if (denial) made.push(decision('denied', denial));
  return made.join('; ');
}

/** When the grant runs, or, pending, when the requester asked it to start. */
function stateDetail(request: Json, grant: Json | undefined): Child {
  const start = text(grant, 'start') || text(request, 'start');
  const later = Date.parse(start) > Date.now();
  if (grant) {
    const end = [when(text(grant, 'end')), extensionNote(request)];
    return later
      ? el('small', {}, ' scheduled from ', when(start), ' until ', ...end)
      : el('small', {}, ' until ', ...end);
  }
  return later && text(request, 'state') === 'requested' ? el('small', {}, ' to start ', when(start)) : '';
}

/** A grant's pending extension, as its state cell shows it. */
function extensionNote(request: Json): string {
  const extension = child(request, 'extension');
  if (text(extension, 'state') !== 'requested') return '';
  return `; extension of ${Math.round((num(extension, 'durationSeconds') ?? 0) / 60)} min requested (“${text(extension, 'reason')}”)`;
}

function requestRow(request: Json, actions: HTMLElement[]): HTMLElement {
  const grant = child(request, 'grant');
  return el(
    'tr',
    { 'data-request': text(request, 'id') },
    el('td', {}, text(request, 'requestable'), el('br'), el('small', {}, text(request, 'roleArn'))),
    el('td', {}, personOf(text(request, 'requesterName'), text(request, 'requester'))),
    el(
      'td',
      {},
      el('span', { class: 'reason' }, text(request, 'reason')),
      text(request, 'ticket') && ` [${text(request, 'ticket')}]`,
    ),
    el('td', {}, `${Math.round((num(request, 'durationSeconds') ?? 0) / 60)} min`),
    el('td', { class: 'state' }, text(request, 'state'), stateDetail(request, grant)),
    el('td', {}, decisions(request)),
    el('td', {}, ...actions),
  );
}

function table(caption: string, rows: HTMLElement[]): HTMLElement {
  if (rows.length === 0) return el('p', {}, `${caption}: none.`);
  return dataTable(caption, ['Access', 'Requester', 'Reason', 'Duration', 'State', 'Decisions', ''], rows);
}

function requestForm(requestables: Json[], report: HTMLElement, refresh: () => Promise<void>): HTMLElement {
  const target = el(
    'select',
    { required: true },
    ...requestables.map((r) =>
      el(
        'option',
        { value: text(r, 'id') },
        `${text(r, 'id')}${text(r, 'description') ? ` — ${text(r, 'description')}` : ''}`,
      ),
    ),
  );
  // The shortest grant (MIN_GRANT_SECONDS): STS's shortest session plus the SDKs' refresh window.
  const minutes = el('input', { type: 'number', min: '30', step: '15', value: '60', required: true });
  const reason = el('input', { type: 'text', required: true, maxlength: '1024' });
  const ticket = el('input', { type: 'text', maxlength: '256' });
  // Local time, as the reader's clock shows it; sent as an instant. Empty: at approval.
  const start = el('input', { type: 'datetime-local' });
  const form = el(
    'form',
    { class: 'request-form' },
    field('Access', target),
    field('Duration (minutes)', minutes),
    field('Reason', reason),
    field('Ticket (optional)', ticket),
    field('Start (optional, your local time)', start),
    el('button', { type: 'submit' }, 'Request access'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      try {
        const body: { [key: string]: Json } = {
          requestable: target.value,
          durationSeconds: Number(minutes.value) * 60,
          reason: reason.value,
        };
        if (ticket.value) body.ticket = ticket.value;
        if (start.value) body.start = new Date(start.value).toISOString();
        const { body: created } = await api('/v1/access-requests', { method: 'POST', body });
        report.textContent = `Requested: ${text(created, 'id')} is ${text(created, 'state')}.`;
        await refresh();
      } catch (error) {
        report.textContent = errorText(error);
      }
    })();
  });
  return form;
}

export async function renderRequests(root: HTMLElement): Promise<void> {
  const report = status();
  const lists = el('div', {});
  const decide = (id: string, step: string, comment: HTMLInputElement | undefined) => async () => {
    try {
      await api(`/v1/access-requests/${encodeURIComponent(id)}/${step}`, {
        method: 'POST',
        body: comment?.value ? { comment: comment.value } : {},
      });
      report.textContent = `${step}: done.`;
      await refresh();
    } catch (error) {
      report.textContent = errorText(error);
    }
  };
  /** A holder's own actions: cancel a pending request or extension, or ask for one more hour. */
  const ownActions = (r: Json): HTMLElement[] => {
    const id = text(r, 'id');
    if (text(r, 'state') === 'requested') return [button('Cancel', decide(id, 'cancel', undefined))];
    if (text(r, 'state') !== 'active' || bool(r, 'breakGlass')) return [];
    if (text(child(r, 'extension'), 'state') === 'requested')
      return [button('Cancel extension', decide(id, 'extension/cancel', undefined))];
    const reason = el('input', { type: 'text', maxlength: '1024' });
    const extend = async () => {
      try {
        await api(`/v1/access-requests/${encodeURIComponent(id)}/extend`, {
          method: 'POST',
          body: { durationSeconds: 3600, reason: reason.value },
        });
        report.textContent = 'extension requested.';
        await refresh();
      } catch (error) {
        report.textContent = errorText(error);
      }
    };
    return [field('Reason to extend', reason), button('Extend by 1 h', extend)];
  };
  async function refresh(): Promise<void> {
    const [mine, waiting] = await Promise.all([
      api('/v1/access-requests?view=mine'),
      api('/v1/access-requests?view=to-approve'),
    ]);
    const mineRows = list(mine.body, 'accessRequests').map((r) => requestRow(r, ownActions(r)));
    const waitingRows = list(waiting.body, 'accessRequests').map((r) => {
      const comment = el('input', { type: 'text', maxlength: '1024' });
      // An active grant is listed for its pending extension: the decision is on that.
      const on = text(r, 'state') === 'active' ? 'extension/' : '';
      return requestRow(r, [
        field('Comment', comment),
        button('Approve', decide(text(r, 'id'), `${on}approve`, comment)),
        button('Deny', decide(text(r, 'id'), `${on}deny`, comment)),
      ]);
    });
    replaceChildren(lists, table('My requests', mineRows), table('Waiting for my approval', waitingRows));
  }
  replaceChildren(root, el('h2', {}, 'Requests'), report);
  try {
    const { body } = await api('/v1/requestables');
    const requestables = list(body, 'requestables');
    root.append(
      requestables.length > 0
        ? requestForm(requestables, report, refresh)
        : el('p', {}, 'Nothing is requestable for you.'),
      lists,
    );
    await refresh();
  } catch (error) {
    report.textContent = errorText(error);
  }
}
