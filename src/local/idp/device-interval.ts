import type { Middleware } from 'koa';

/** Seconds between a device's token polls that this IdP asks for. */
export const DEVICE_POLL_SECONDS = 1;

/**
 * oidc-provider leaves `interval` out of its device authorization response, and a client then
 * waits RFC 8628's default 5 s between polls: a person who has confirmed in the browser waits
 * up to 5 s more at the terminal. This IdP runs on the user's machine for one CLI at a time,
 * so it asks for a poll a second.
 */
export function deviceInterval(): Middleware {
  return async (ctx, next) => {
    await next();
    const body: unknown = ctx.body;
    if (ctx.path !== '/device/auth' || ctx.status !== 200) return;
    if (typeof body === 'object' && body !== null && 'device_code' in body)
      ctx.body = { ...body, interval: DEVICE_POLL_SECONDS };
  };
}
