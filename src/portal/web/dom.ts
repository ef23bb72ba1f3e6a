/**
 * The portal builds every node with these helpers: text always goes in as a Text node,
 * never as HTML, so a reason, a description or a principal that holds markup is shown,
 * not run. There is no innerHTML anywhere in the portal.
 */
export type Child = Node | string | number | false | null | undefined;

type Attributes = Record<string, string | boolean | undefined>;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? '' : value);
  }
  append(node, children);
  return node;
}

export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

export function on<K extends keyof HTMLElementEventMap>(
  node: HTMLElement,
  type: K,
  listener: (event: HTMLElementEventMap[K]) => void | Promise<void>,
): HTMLElement {
  node.addEventListener(type, (event) => {
    void listener(event);
  });
  return node;
}

/** A labelled form control: the label's `for` names the control, for screen readers and clicks. */
export function field(
  label: string,
  control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement,
): HTMLElement {
  control.id ||= `f-${label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${Math.random().toString(36).slice(2, 7)}`;
  return el('div', { class: 'field' }, el('label', { for: control.id }, label), control);
}

export function button(
  label: string,
  action: () => void | Promise<void>,
  attributes: Attributes = {},
): HTMLButtonElement {
  const node = el('button', { type: 'button', ...attributes }, label);
  on(node, 'click', action);
  return node;
}

/** A polite live region: what a button did is read out and shown next to it. */
export function status(): HTMLElement {
  return el('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
}

/**
 * A table with a caption and column headers, in a region that scrolls sideways on small
 * screens and that keyboard users can focus to scroll.
 */
export function dataTable(
  caption: string,
  headers: readonly string[],
  rows: readonly HTMLElement[],
): HTMLElement {
  const table = el(
    'table',
    {},
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...rows),
  );
  return el('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': caption }, table);
}

const utcText = (date: Date): string => `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;

/**
 * An instant as the reader's own clock shows it, with the UTC time on hover (title) and
 * for machines (datetime). Text that is not an instant is shown as it came.
 */
export function when(iso: string): Child {
  const date = new Date(iso);
  if (!iso || Number.isNaN(date.getTime())) return iso;
  return el(
    'time',
    { datetime: date.toISOString(), title: utcText(date) },
    date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' }),
  );
}
