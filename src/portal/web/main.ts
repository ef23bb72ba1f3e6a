import { api, errorText } from './api.js';
import { completeSignIn, currentToken, type PortalSettings, signIn, signOut } from './auth.js';
import { button, el, replaceChildren } from './dom.js';
import { NEEDS, VIEWS, type View, visibleTo } from './views.js';
import { bool, list, personOf, text } from './wire.js';

function settingsOf(body: HTMLElement): PortalSettings {
  const { issuer = '', clientId = '', resource = '', region = 'us-east-1' } = body.dataset;
  return { issuer, clientId, resource, region };
}

/** The signed-in person as the API knows them (GET /v1/me): shown in the header, and what the navigation offers. */
interface Me {
  principal: string;
  displayName: string;
  roles: string[];
  /** Admin slices held (none for an admin): a slice admin may use the Admin page within them. */
  adminSlices: { name: string; write: boolean }[];
}

async function whoAmI(): Promise<Me> {
  const { body } = await api('/v1/me');
  return {
    principal: text(body, 'principal'),
    displayName: text(body, 'displayName'),
    roles: list(body, 'roles').filter((r): r is string => typeof r === 'string'),
    adminSlices: list(body, 'adminSlices').map((slice) => ({
      name: text(slice, 'name'),
      write: bool(slice, 'write'),
    })),
  };
}

/** What the navigation goes by: the roles held, and slice-admin for a holder of any admin slice. */
function viewRoles(me: Me | undefined): string[] {
  if (!me) return [];
  return me.adminSlices.length > 0 ? [...me.roles, 'slice-admin'] : me.roles;
}

function navigation(views: readonly View[], current: string): HTMLElement {
  return el(
    'nav',
    { 'aria-label': 'Pages' },
    el(
      'ul',
      {},
      ...views.map((view) =>
        el(
          'li',
          {},
          el(
            'a',
            { href: `#/${view.name}`, 'aria-current': view.name === current ? 'page' : undefined },
            view.label,
          ),
        ),
      ),
    ),
  );
}

function whoami(me: Me | undefined, problem: string | undefined): HTMLElement {
  if (!me) return el('p', { class: 'whoami', role: 'alert' }, `Who you are could not be read: ${problem}`);
  const held = [
    ...me.roles,
    ...me.adminSlices.map((s) => `admin of slice ${s.name}${s.write ? '' : ' (read only)'}`),
  ];
  return el(
    'p',
    { class: 'whoami' },
    'Signed in as ',
    el('span', { class: 'person' }, personOf(me.displayName, me.principal)),
    ` · ${held.length > 0 ? held.join(', ') : 'no privileged role'}`,
  );
}

async function show(settings: PortalSettings, me: Me | undefined, problem?: string): Promise<void> {
  const app = document.getElementById('app');
  if (!app) return;
  const visible = VIEWS.filter((view) => visibleTo(view, viewRoles(me)));
  const name = location.hash.replace(/^#\//, '');
  const view = VIEWS.find((v) => v.name === name) ?? VIEWS[0];
  if (!view) return;
  const main = el('main', { id: 'main', tabindex: '-1' });
  replaceChildren(
    app,
    el(
      'header',
      {},
      el('h1', {}, 'credvend'),
      navigation(visible, view.name),
      whoami(me, problem),
      button('Sign out', () => signOut(settings)),
    ),
    main,
  );
  if (!visible.includes(view)) {
    // Typed by hand or bookmarked: said plainly, and nothing is asked of the API (which would refuse anyway).
    replaceChildren(
      main,
      el('h2', {}, view.label),
      el('p', { role: 'alert' }, `This page needs ${(view.roles ?? []).map((r) => NEEDS[r]).join(' or ')}.`),
    );
    return;
  }
  await view.render(main, settings);
}

function signInPage(settings: PortalSettings, problem?: string): void {
  const app = document.getElementById('app');
  if (!app) return;
  replaceChildren(
    app,
    el(
      'main',
      { id: 'main' },
      el('h1', {}, 'credvend'),
      el('p', {}, 'Short-lived, audited AWS credentials for the roles you are entitled to.'),
      problem && el('p', { role: 'alert' }, problem),
      settings.issuer
        ? button('Sign in', () => signIn(settings))
        : el('p', {}, 'No OIDC issuer is configured for this deployment.'),
    ),
  );
}

async function start(): Promise<void> {
  const settings = settingsOf(document.body);
  try {
    await completeSignIn(settings);
  } catch (error) {
    signInPage(settings, errorText(error));
    return;
  }
  if (!currentToken()) {
    signInPage(settings);
    return;
  }
  let me: Me | undefined;
  let problem: string | undefined;
  try {
    me = await whoAmI();
  } catch (error) {
    problem = errorText(error);
  }
  window.addEventListener('hashchange', () => void show(settings, me, problem));
  await show(settings, me, problem);
}

void start();
