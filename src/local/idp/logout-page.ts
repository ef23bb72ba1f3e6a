import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import type { KoaContextWithOIDC } from 'oidc-provider';

const SUBMIT = 'document.forms[0].submit();';
const SUBMIT_HASH = createHash('sha256').update(SUBMIT).digest('base64');

/** The `sub` of an ID token hint, read only after oidc-provider validated the hint against the client. */
function hintSubject(hint: unknown): string | undefined {
  if (typeof hint !== 'string') return undefined;
  try {
    const { sub } = decodeJwt(hint);
    return typeof sub === 'string' ? sub : undefined;
  } catch {
    return undefined;
  }
}

/**
 * RP-initiated logout as hosted IdPs do it: a relying party that proves whose session it
 * ends (an ID token hint, which oidc-provider has already validated for the client, naming
 * the signed-in account) signs out without a question; anything else (no hint, another
 * account's) still gets oidc-provider's confirmation page's question.
 */
export async function logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void> {
  const sub = hintSubject(ctx.oidc.params?.id_token_hint);
  const confirmed = sub !== undefined && sub === ctx.oidc.session?.accountId;
  ctx.type = 'html';
  if (confirmed) {
    ctx.set('content-security-policy', `default-src 'none'; script-src 'sha256-${SUBMIT_HASH}'`);
    ctx.body = `<!doctype html><html lang="en"><title>Signing out</title>${form.replace(
      '</form>',
      '<input type="hidden" name="logout" value="yes"/></form>',
    )}<p>Signing out…</p><script>${SUBMIT}</script></html>`;
    return;
  }
  ctx.body = `<!doctype html><html lang="en"><title>Sign out?</title><h1>Sign out of the credvend local IdP?</h1>${form}<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button><button type="submit" form="op.logoutForm">No, stay signed in</button></html>`;
}
