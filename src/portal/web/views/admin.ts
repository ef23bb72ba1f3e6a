import { ApiProblem, api, errorText } from '../api.js';
import { button, dataTable, el, field, replaceChildren, status, when } from '../dom.js';
import { isObject, type Json, list, personOf, text } from '../wire.js';

/** The fields an admin edits: what the API returned, less what the server owns. */
function editable(entitlement: unknown): Json {
  if (!isObject(entitlement)) return {};
  const { id: _id, version: _version, ...rest } = entitlement;
  return rest;
}

function historyOf(entitlementId: string, accountId: string, into: HTMLElement): Promise<void> {
  return api(`/v1/audit/events?accountId=${encodeURIComponent(accountId)}&limit=200`)
    .then(({ body }) => {
      const changes = list(body, 'events').filter(
        (e) => text(e, 'entitlementId') === entitlementId && text(e, 'action').startsWith('entitlement.'),
      );
      replaceChildren(
        into,
        changes.length === 0 ? el('li', {}, 'No recorded changes in the last 30 days.') : null,
        ...changes.map((e) =>
          el(
            'li',
            {},
            when(text(e, 'time')),
            ` ${text(e, 'action')} by ${personOf(text(e, 'callerName'), text(e, 'principal'))}`,
          ),
        ),
      );
    })
    .catch((error: unknown) => {
      replaceChildren(
        into,
        el(
          'li',
          {},
          error instanceof ApiProblem && error.status === 403
            ? 'The change history needs the auditor role.'
            : errorText(error),
        ),
      );
    });
}

/** Edit one entitlement as JSON, guarded by If-Match: a stale edit is refused, never merged. */
async function openEditor(id: string, editor: HTMLElement): Promise<void> {
  const report = status();
  const { body, etag } = await api(`/v1/entitlements/${encodeURIComponent(id)}`);
  let version = etag;
  const document = el('textarea', { rows: '18', cols: '80', spellcheck: 'false' });
  document.value = JSON.stringify(editable(body), null, 2);
  const history = el('ul', { class: 'history' });
  const save = async (): Promise<void> => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(document.value);
    } catch {
      report.textContent = 'That is not valid JSON.';
      return;
    }
    try {
      const saved = await api(`/v1/entitlements/${encodeURIComponent(id)}`, {
        method: 'PUT',
        body: isObject(parsed) ? parsed : {},
        headers: version ? { 'if-match': version } : {},
      });
      version = saved.etag;
      report.textContent = `Saved (${version ?? 'new version'}).`;
      await historyOf(id, text(body, 'accountId'), history);
    } catch (error) {
      report.textContent =
        error instanceof ApiProblem && error.status === 412
          ? 'Conflict: someone else changed this entitlement since you opened it. Reload it to see their change, then edit again.'
          : errorText(error);
    }
  };
  replaceChildren(
    editor,
    el('h3', {}, `Edit ${id}`),
    field('Entitlement (JSON)', document),
    el(
      'div',
      { class: 'actions' },
      button('Save', save),
      button('Reload', () => openEditor(id, editor)),
    ),
    report,
    el('h4', {}, 'Who changed it'),
    history,
  );
  await historyOf(id, text(body, 'accountId'), history);
}

/** A slice admin's bounds (GET /v1/admin/scope): which ids in which accounts; nothing for an admin. */
function sliceBounds(scope: unknown): HTMLElement | null {
  if (text(scope, 'kind') !== 'slices') return null;
  return el(
    'div',
    { class: 'slices' },
    el('p', {}, 'You administer only these slices; the list shows their entitlements alone:'),
    el(
      'ul',
      {},
      ...list(scope, 'slices').map((slice) =>
        el(
          'li',
          {},
          `${text(slice, 'name')}: ids ${list(slice, 'ids').map(String).join(', ')} in accounts ${list(slice, 'accounts').map(String).join(', ')}`,
        ),
      ),
    ),
  );
}

export async function renderAdmin(root: HTMLElement): Promise<void> {
  const report = status();
  const editor = el('section', { class: 'editor', 'aria-label': 'Editor' });
  replaceChildren(root, el('h2', {}, 'Entitlements'), report);
  try {
    const [{ body }, scope] = await Promise.all([api('/v1/entitlements?limit=100'), api('/v1/admin/scope')]);
    const bounds = sliceBounds(scope.body);
    if (bounds) root.append(bounds);
    const rows = list(body, 'entitlements').map((e) =>
      el(
        'tr',
        {},
        el('td', {}, text(e, 'id')),
        el('td', {}, JSON.stringify(isObject(e) ? e.subject : null)),
        el('td', {}, text(e, 'roleArn')),
        el('td', {}, text(e, 'effect')),
        el('td', {}, text(e, 'description')),
        el(
          'td',
          {},
          button(
            'Edit',
            () =>
              openEditor(text(e, 'id'), editor).catch((error: unknown) => {
                report.textContent = errorText(error);
              }),
            { 'aria-label': `Edit ${text(e, 'id')}` },
          ),
        ),
      ),
    );
    root.append(
      dataTable('All entitlements', ['Id', 'Subject', 'Role', 'Effect', 'Description', ''], rows),
      editor,
    );
  } catch (error) {
    report.textContent = errorText(error);
  }
}
