import { Hono } from 'hono';
import type { Config } from '../config.js';
import { PORTAL_ASSETS } from '../portal/generated/assets.js';
import { contentSecurityPolicy, portalPage } from '../portal/page.js';
import type { AppEnv } from './app-env.js';

const ASSET_TYPES = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' } as const;

/**
 * The web portal: one HTML page and its two hashed assets. It holds no session and no
 * token: the page signs in with code + PKCE and keeps the access token in its own memory,
 * then calls the API like any other client, so every rule of the API applies unchanged.
 */
export function createPortalApp(config: Config): Hono<AppEnv> {
  const issuer = config.oidcIssuers[0]?.issuer ?? '';
  const csp = contentSecurityPolicy(issuer);
  const page = portalPage({
    issuer,
    clientId: config.portal.clientId,
    resource: config.portal.resource ?? '',
    region: config.region,
    scriptName: PORTAL_ASSETS.script.name,
    styleName: PORTAL_ASSETS.style.name,
  });
  const assets = new Map<string, { body: string; type: string }>([
    [PORTAL_ASSETS.script.name, { body: PORTAL_ASSETS.script.body, type: ASSET_TYPES.js }],
    [PORTAL_ASSETS.style.name, { body: PORTAL_ASSETS.style.body, type: ASSET_TYPES.css }],
  ]);

  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    await next();
    c.header('content-security-policy', csp);
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'no-referrer');
    c.header('x-frame-options', 'DENY');
    c.header('cross-origin-opener-policy', 'same-origin');
  });
  app.get('/', (c) => {
    // The page must never be served stale: it names the current asset hashes.
    c.header('cache-control', 'no-cache');
    return c.html(page);
  });
  app.get('/assets/:name', (c) => {
    const asset = assets.get(c.req.param('name'));
    if (!asset) return c.text('not found', 404);
    // Content-hashed names: a changed asset is a new URL, so this one can be cached for a year.
    c.header('cache-control', 'public, max-age=31536000, immutable');
    c.header('content-type', asset.type);
    return c.body(asset.body);
  });
  return app;
}
