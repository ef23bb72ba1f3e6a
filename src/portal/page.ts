import { escapeHtml } from '../http/html.js';

export interface PortalPageSettings {
  issuer: string;
  clientId: string;
  resource: string;
  region: string;
  scriptName: string;
  styleName: string;
}

/**
 * The one HTML page: no inline script or style (the CSP forbids both), the settings the
 * script needs in data attributes (public values only), assets by content-hashed name.
 */
export function portalPage(settings: PortalPageSettings): string {
  const data = (name: string, value: string) => `data-${name}="${escapeHtml(value)}"`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>credvend</title>
<link rel="stylesheet" href="/assets/${escapeHtml(settings.styleName)}">
<script type="module" src="/assets/${escapeHtml(settings.scriptName)}"></script>
</head>
<body ${data('issuer', settings.issuer)} ${data('client-id', settings.clientId)} ${data('resource', settings.resource)} ${data('region', settings.region)}>
<div id="app"><main id="main"><h1>credvend</h1><p>Loading…</p></main></div>
</body>
</html>
`;
}

/**
 * Script only from this origin, no eval, no inline anything; the page talks to the API
 * (same origin) and the IdP's token endpoint; it cannot be framed.
 */
export function contentSecurityPolicy(issuer: string): string {
  const idp = issuer ? ` ${new URL(issuer).origin}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src 'self'${idp}`,
    `form-action 'self'${idp}`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
