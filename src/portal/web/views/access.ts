import { api, errorText } from '../api.js';
import type { PortalSettings } from '../auth.js';
import { button, el, field, replaceChildren, status, when } from '../dom.js';
import { bool, child, type Json, list, num, text } from '../wire.js';

/** The `credential_process` profile for one entitlement: no credentials in it, only how to get them. */
export function profileSnippet(settings: PortalSettings, entitlementId: string): string {
  return [
    `[profile ${entitlementId}]`,
    `region = ${settings.region}`,
    `credential_process = credvend creds ${entitlementId} --format credential_process --api-url ${location.origin}`,
    '',
  ].join('\n');
}

async function copy(textToCopy: string, report: HTMLElement, what: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(textToCopy);
    report.textContent = `${what} copied to the clipboard.`;
  } catch {
    report.textContent = `${what} is shown below: copy it from there.`;
  }
}

function issuanceBody(
  id: string,
  duration: HTMLSelectElement,
  reason: HTMLInputElement | undefined,
  format: string,
): Json {
  const body: { [key: string]: Json } = { entitlement: id, durationSeconds: Number(duration.value), format };
  if (reason?.value) body.reason = reason.value;
  return body;
}

function planView(plan: unknown): HTMLElement {
  const tags = child(plan, 'tags');
  const policy = child(plan, 'sessionPolicy');
  return el(
    'dl',
    { class: 'plan' },
    el('dt', {}, 'Duration'),
    el(
      'dd',
      {},
      `${num(plan, 'durationSeconds') ?? '?'} s (${text(plan, 'durationBoundBy') || 'requested'})`,
    ),
    el('dt', {}, 'Session name'),
    el('dd', {}, text(plan, 'sessionName')),
    el('dt', {}, 'Session policy'),
    el(
      'dd',
      {},
      el(
        'pre',
        {},
        policy === undefined ? 'none (the role’s own permissions)' : JSON.stringify(policy, null, 2),
      ),
    ),
    el('dt', {}, 'Session tags'),
    el('dd', {}, el('pre', {}, JSON.stringify(tags ?? [], null, 2))),
    el('dt', {}, 'Managed session policies'),
    el('dd', {}, list(plan, 'policyArns').map(String).join(', ') || 'none'),
  );
}

function durationChoices(max: number): HTMLSelectElement {
  const select = el('select', {});
  for (const seconds of [900, 1800, 3600, 7200, 14_400, 43_200].filter((s) => s <= max)) {
    select.append(
      el(
        'option',
        { value: String(seconds), selected: seconds === Math.min(3600, max) },
        `${seconds / 60} min`,
      ),
    );
  }
  return select;
}

/** One entitlement: plan first, then console, profile or env exports. */
function entitlementCard(settings: PortalSettings, entitlement: Json): HTMLElement {
  const id = text(entitlement, 'id');
  const duration = durationChoices(num(entitlement, 'maxDurationSeconds') ?? 3600);
  const reason = bool(entitlement, 'reasonRequired')
    ? el('input', { type: 'text', required: true, maxlength: '1024' })
    : undefined;
  const report = status();
  const output = el('div', { class: 'output' });
  const run = async (label: string, action: () => Promise<void>): Promise<void> => {
    report.textContent = `${label}…`;
    try {
      await action();
    } catch (error) {
      report.textContent = errorText(error);
    }
  };
  const plan = () =>
    run('Planning', async () => {
      const { body } = await api('/v1/credentials/plan', {
        method: 'POST',
        body: issuanceBody(id, duration, reason, 'json'),
      });
      replaceChildren(output, planView(body));
      report.textContent = 'This is what would be issued; nothing was.';
    });
  const openConsole = () => {
    // Opened synchronously on the click, so no pop-up blocker stops it; filled in when the URL comes.
    const tab = window.open('about:blank', '_blank');
    if (tab) tab.opener = null;
    return run('Signing in to the console', async () => {
      const { body } = await api('/v1/credentials', {
        method: 'POST',
        body: issuanceBody(id, duration, reason, 'console'),
      });
      const url = text(body, 'url');
      if (tab) tab.location.href = url;
      report.textContent = 'The console opened in a new tab.';
    });
  };
  const envExports = () =>
    run('Issuing', async () => {
      const response = await api('/v1/credentials', {
        method: 'POST',
        body: issuanceBody(id, duration, reason, 'env'),
      });
      // Shown once, kept nowhere else: hiding removes the only copy from the page.
      const shown = el('pre', { class: 'secret', 'aria-label': 'Environment exports' }, response.text);
      replaceChildren(
        output,
        shown,
        button('Hide', () => replaceChildren(output)),
      );
      await copy(response.text, report, 'The exports');
    });
  const profile = () =>
    run('Copying', async () => {
      const snippet = profileSnippet(settings, id);
      replaceChildren(output, el('pre', { 'aria-label': 'credential_process profile' }, snippet));
      await copy(snippet, report, 'The profile');
    });
  return el(
    'article',
    { class: 'card', 'data-entitlement': id },
    el('h3', {}, id),
    el('p', {}, `${text(entitlement, 'roleName')} in ${text(entitlement, 'accountId')}`),
    text(entitlement, 'description') && el('p', { class: 'description' }, text(entitlement, 'description')),
    field('Duration', duration),
    reason && field('Reason', reason),
    el(
      'div',
      { class: 'actions' },
      button('Plan', plan),
      button('Open console', openConsole),
      button('Copy credential_process profile', profile),
      button('Copy env exports', envExports),
    ),
    report,
    output,
  );
}

function grantItem(request: Json): HTMLElement {
  const grant = child(request, 'grant');
  // A scheduled grant is approved but issues nothing before its start.
  const start = text(grant, 'start');
  const scheduled = Date.parse(start) > Date.now();
  return el(
    'li',
    {},
    `${text(request, 'requestable')} (${text(request, 'roleArn')}) `,
    scheduled ? el('strong', {}, 'scheduled') : '',
    scheduled ? ' from ' : '',
    scheduled ? when(start) : '',
    ' until ',
    when(text(grant, 'end')),
    ': ',
    el('code', {}, text(grant, 'entitlement')),
  );
}

export async function renderAccess(root: HTMLElement, settings: PortalSettings): Promise<void> {
  const report = status();
  replaceChildren(root, el('h2', {}, 'My access'), report);
  try {
    const [{ body: mine }, grants] = await Promise.all([
      api('/v1/entitlements/mine'),
      api('/v1/access-requests?view=grants').catch(() => undefined),
    ]);
    const allows = list(mine, 'entitlements').filter(
      (e) => text(e, 'effect') === 'allow' && bool(e, 'active'),
    );
    root.append(
      allows.length === 0
        ? el('p', {}, 'You have no entitlements yet: request access on the Requests page.')
        : el('div', { class: 'cards' }, ...allows.map((e) => entitlementCard(settings, e))),
      el('h2', {}, 'Active grants'),
    );
    const active = grants
      ? list(grants.body, 'accessRequests').filter((r) => text(r, 'state') === 'active')
      : [];
    root.append(
      active.length === 0 ? el('p', {}, 'No active grants.') : el('ul', {}, ...active.map(grantItem)),
    );
  } catch (error) {
    report.textContent = errorText(error);
  }
}
