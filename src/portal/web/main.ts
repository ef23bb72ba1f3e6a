import { completeSignIn, currentToken, type PortalSettings, signIn, signOut } from './auth.js';
import { button, el, replaceChildren } from './dom.js';
import { renderAccess } from './views/access.js';
import { renderAdmin } from './views/admin.js';
import { renderAudit } from './views/audit.js';
import { renderRequests } from './views/requests.js';

const PAGES = {
  access: { label: 'My access', render: renderAccess },
  requests: { label: 'Requests', render: (root: HTMLElement) => renderRequests(root) },
  audit: { label: 'Audit', render: (root: HTMLElement) => renderAudit(root) },
  admin: { label: 'Admin', render: (root: HTMLElement) => renderAdmin(root) },
} as const;
type PageName = keyof typeof PAGES;

const isPage = (name: string): name is PageName => name in PAGES;

function settingsOf(body: HTMLElement): PortalSettings {
  const { issuer = '', clientId = '', resource = '', region = 'us-east-1' } = body.dataset;
  return { issuer, clientId, resource, region };
}

function navigation(current: PageName): HTMLElement {
  return el(
    'nav',
    { 'aria-label': 'Pages' },
    el(
      'ul',
      {},
      ...Object.entries(PAGES).map(([name, page]) =>
        el(
          'li',
          {},
          el('a', { href: `#/${name}`, 'aria-current': name === current ? 'page' : undefined }, page.label),
        ),
      ),
    ),
  );
}

async function show(settings: PortalSettings): Promise<void> {
  const app = document.getElementById('app');
  if (!app) return;
  const name = location.hash.replace(/^#\//, '');
  const page: PageName = isPage(name) ? name : 'access';
  const main = el('main', { id: 'main', tabindex: '-1' });
  replaceChildren(
    app,
    el(
      'header',
      {},
      el('h1', {}, 'credvend'),
      navigation(page),
      button('Sign out', () => signOut(settings)),
    ),
    main,
  );
  await PAGES[page].render(main, settings);
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
    signInPage(settings, error instanceof Error ? error.message : String(error));
    return;
  }
  if (!currentToken()) {
    signInPage(settings);
    return;
  }
  window.addEventListener('hashchange', () => void show(settings));
  await show(settings);
}

void start();
