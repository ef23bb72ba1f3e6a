import type { IncomingMessage } from 'node:http';
import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { Interaction } from 'oidc-provider';
import { escapeHtml } from '../../http/html.js';
import { DEMO_USERS, findDemoUser } from './demo-users.js';

const INTERACTION_PATH = /^\/interaction\/([\w-]+)(\/login)?$/;

const stringArray = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

async function formField(request: IncomingMessage, name: string): Promise<string | undefined> {
  let body = '';
  for await (const chunk of request) {
    body += String(chunk);
    if (body.length > 4096) return undefined;
  }
  return new URLSearchParams(body).get(name) ?? undefined;
}

/** One button per demo user: a sign-in without passwords, so a person or a headless browser picks who to be. */
function loginPage(uid: string, basePath: string, clientId: string): string {
  const buttons = DEMO_USERS.map(
    (u) =>
      `<li><button type="submit" name="user" value="${escapeHtml(u.sub)}">${escapeHtml(u.name)}</button> ` +
      `<code>${escapeHtml(u.sub)}</code> <small>${escapeHtml(u.role)}</small></li>`,
  ).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>credvend local IdP: sign in</title></head>
<body><main>
<h1>Sign in to ${escapeHtml(clientId)}</h1>
<p>The local stack's demo IdP: choose who you are. No passwords; never deploy this.</p>
<form method="post" action="${escapeHtml(basePath)}/interaction/${escapeHtml(uid)}/login"><ul>
${buttons}
</ul></form>
</main></body></html>`;
}

/**
 * Consent is implied: every client of this IdP is first-party, so the grant gives exactly
 * what the authorization request asked for and was missing.
 */
async function grantRequested(provider: Provider, details: Interaction): Promise<string> {
  const accountId = details.session?.accountId;
  const clientId = details.params.client_id;
  if (!accountId || typeof clientId !== 'string') throw new Error('consent without a signed-in user');
  const grant =
    (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ??
    new provider.Grant({ accountId, clientId });
  const missing = details.prompt.details;
  const scopes = stringArray(missing.missingOIDCScope);
  if (scopes.length > 0) grant.addOIDCScope(scopes.join(' '));
  const claims = stringArray(missing.missingOIDCClaims);
  if (claims.length > 0) grant.addOIDCClaims(claims);
  const resourceScopes = missing.missingResourceScopes;
  if (resourceScopes && typeof resourceScopes === 'object') {
    for (const [indicator, values] of Object.entries(resourceScopes)) {
      grant.addResourceScope(indicator, stringArray(values).join(' '));
    }
  }
  return grant.save();
}

/**
 * The IdP's interaction routes as Koa middleware inside oidc-provider: login (a demo-user
 * picker; `login_hint=alice` signs in without a page) and consent (granted at once).
 */
export function loginInteractions(provider: Provider, basePath: string): Middleware {
  return async (ctx, next) => {
    const match = INTERACTION_PATH.exec(ctx.path);
    if (!match?.[1]) return next();
    const { req, res } = ctx;
    const details = await provider.interactionDetails(req, res);
    ctx.set('cache-control', 'no-store');
    if (details.prompt.name === 'login') {
      const chosen =
        match[2] && ctx.method === 'POST'
          ? findDemoUser(await formField(req, 'user'))
          : findDemoUser(
              typeof details.params.login_hint === 'string' ? details.params.login_hint : undefined,
            );
      if (!chosen) {
        ctx.type = 'html';
        ctx.set('content-security-policy', "default-src 'none'");
        ctx.body = loginPage(details.uid, basePath, String(details.params.client_id ?? ''));
        return;
      }
      ctx.respond = false;
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: chosen.sub } },
        {
          mergeWithLastSubmission: false,
        },
      );
      return;
    }
    const grantId = await grantRequested(provider, details);
    ctx.respond = false;
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  };
}
