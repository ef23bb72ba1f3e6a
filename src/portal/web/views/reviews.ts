import { api, errorText } from '../api.js';
import { button, el, field, replaceChildren, status, when } from '../dom.js';
import { child, type Json, list, num, personOf, text } from '../wire.js';

const DECISIONS = [
  ['keep', 'Keep'],
  ['keep-until', 'Keep until a date'],
  ['remove', 'Remove now'],
] as const;

/** What the audit says of one item: the reviewer's evidence for keeping or removing it. */
function evidence(item: Json): HTMLElement {
  const seen = child(item, 'evidence');
  const added = child(seen, 'added');
  const callers = list(seen, 'callers');
  const last = text(seen, 'lastIssuance');
  return el(
    'dl',
    { class: 'evidence' },
    el('dt', {}, 'Last issuance'),
    el('dd', {}, last ? when(last) : 'none in 90 days'),
    el('dt', {}, 'Issuances in the last 90 days'),
    el('dd', {}, String(num(seen, 'issuancesIn90Days') ?? 0)),
    el('dt', {}, 'Requests under it (90 days)'),
    el(
      'dd',
      {},
      callers.length === 0
        ? 'none'
        : el(
            'ul',
            {},
            ...callers.map((c) =>
              el(
                'li',
                {},
                `${personOf(text(c, 'name'), text(c, 'principal'))}: ${num(c, 'issuances') ?? 0}, last `,
                when(text(c, 'last')),
              ),
            ),
          ),
    ),
    el('dt', {}, 'Added'),
    el(
      'dd',
      {},
      ...(added ? [text(added, 'by'), ' on ', when(text(added, 'at'))] : ['before the last 90 days']),
    ),
  );
}

function decided(decision: Json): HTMLElement {
  const until = text(decision, 'until');
  return el(
    'p',
    { class: 'decided' },
    `Decided: ${text(decision, 'decision')}`,
    ...(until ? [' until ', when(until)] : []),
    ` by ${text(decision, 'byName') ? personOf(text(decision, 'byName'), text(decision, 'by')) : text(decision, 'by')}`,
    ` (${text(decision, 'outcome') || 'applying'})`,
  );
}

/** keep / keep until / remove, with a note, sent with If-Match on the version shown. */
function decisionForm(reviewId: string, item: Json, done: () => Promise<void>): HTMLElement {
  const id = text(item, 'entitlementId');
  const version = num(child(item, 'entitlement'), 'version');
  const report = status();
  const choice = el('select', {}, ...DECISIONS.map(([value, label]) => el('option', { value }, label)));
  const until = el('input', { type: 'date' });
  const note = el('input', { type: 'text', maxlength: '1024' });
  const untilField = field('Keep until', until);
  untilField.hidden = true;
  choice.addEventListener('change', () => {
    untilField.hidden = choice.value !== 'keep-until';
  });
  const decide = async (): Promise<void> => {
    const body: { [key: string]: Json } = { decision: choice.value };
    if (choice.value === 'keep-until') {
      if (!until.value) {
        report.textContent = 'Choose the date the access ends.';
        return;
      }
      // The chosen day, to its end in the reader's own time zone.
      body.until = new Date(`${until.value}T23:59:59`).toISOString();
    }
    if (note.value) body.note = note.value;
    try {
      await api(`/v1/reviews/${encodeURIComponent(reviewId)}/items/${encodeURIComponent(id)}`, {
        method: 'POST',
        body,
        headers: version === undefined ? {} : { 'if-match': `"v${version}"` },
      });
      await done();
    } catch (error) {
      report.textContent = errorText(error);
    }
  };
  return el(
    'div',
    { class: 'decide' },
    field('Decision', choice),
    untilField,
    field('Note (optional)', note),
    button('Decide', decide, { 'aria-label': `Decide ${id}` }),
    report,
  );
}

function itemCard(reviewId: string, item: Json, done: () => Promise<void>): HTMLElement {
  const id = text(item, 'entitlementId');
  const decision = child(item, 'decision');
  const own = child(item, 'callerIsSubject') === true;
  return el(
    'article',
    { class: 'card', 'data-item': id },
    el('h4', {}, id),
    el('p', {}, `${text(item, 'subject')} → ${text(item, 'roleArn')}`),
    child(item, 'entitlement') === undefined && el('p', {}, 'This entitlement no longer exists.'),
    evidence(item),
    decision
      ? decided(decision)
      : own
        ? el('p', { class: 'own' }, 'This is your own access: another reviewer decides it.')
        : decisionForm(reviewId, item, done),
  );
}

/** One review naming the reader: its terms, then every item with its evidence. */
async function reviewSection(review: Json, report: HTMLElement): Promise<HTMLElement> {
  const id = text(review, 'id');
  const section = el('section', { class: 'review', 'data-review': id, 'aria-labelledby': `review-${id}` });
  const refresh = async (): Promise<void> => {
    const { body } = await api(`/v1/reviews/${encodeURIComponent(id)}`);
    const items = list(body, 'items');
    const open = items.filter((i) => child(i, 'decision') === undefined).length;
    replaceChildren(
      section,
      el('h3', { id: `review-${id}` }, text(review, 'description') || `Review ${id}`),
      el(
        'p',
        {},
        `${open} of ${items.length} undecided. Deadline `,
        when(text(review, 'deadline')),
        `; undecided items are then ${text(review, 'deadlineDefault') === 'keep' ? 'kept' : 'removed'}.`,
      ),
      el('div', { class: 'cards' }, ...items.map((item) => itemCard(id, item, decidedNow))),
    );
  };
  const decidedNow = async (): Promise<void> => {
    report.textContent = 'Decision recorded.';
    await refresh();
  };
  await refresh();
  return section;
}

export async function renderReviews(root: HTMLElement): Promise<void> {
  const report = status();
  replaceChildren(root, el('h2', {}, 'Reviews'), report);
  try {
    const { body } = await api('/v1/reviews?reviewer=me');
    const reviews = list(body, 'reviews');
    if (reviews.length === 0) {
      root.append(el('p', {}, 'No open review names you as a reviewer.'));
      return;
    }
    for (const review of reviews) root.append(await reviewSection(review, report));
  } catch (error) {
    report.textContent = errorText(error);
  }
}
