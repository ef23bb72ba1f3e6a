import type Provider from 'oidc-provider';
import { errors, type ResourceServer, type TokenEndpointGrantContext } from 'oidc-provider';
import * as z from 'zod';
import { DEV_TOKEN_CLIENT_ID, DEV_TOKEN_GRANT } from './clients.js';

/** Longest dev token lifetime: long enough for a working day, short enough to stay a dev token. */
const MAX_DEV_TOKEN_TTL_SECONDS = 12 * 3600;

/** Group names as the local IdP's own users have them; at most 20 per token. */
const groupsParam = z
  .string()
  .max(1024)
  .transform((text) => text.split(',').filter((name) => name !== ''))
  .pipe(z.array(z.string().regex(/^[\w.@-]{1,64}$/, 'a group name')).max(20));

const devTokenParams = z.object({
  subject: z.string().min(1).max(256),
  email: z.string().max(256).optional(),
  ttl: z.coerce.number().int().min(1).max(MAX_DEV_TOKEN_TTL_SECONDS).default(3600),
  groups: groupsParam.optional(),
});

/** The email a dev token carries: the one asked for, else the subject when it looks like one. */
export const devTokenEmails = new WeakMap<object, string>();

/** The groups a dev token carries when asked for (tests of group subjects); else the demo user's. */
export const devTokenGroups = new WeakMap<object, string[]>();

/**
 * A grant only the local IdP has: an access token for any subject, with no sign-in, for
 * scripts and tests (`credvend dev-token`). The token is minted by oidc-provider itself
 * (its keys, its JWT access-token format, its grant records), so credvend verifies it
 * exactly as it verifies a token from the code or device flow. Never deploy this IdP.
 */
export function registerDevTokenGrant(
  provider: Provider,
  resource: string,
  resourceServer: ResourceServer,
): void {
  provider.registerGrantType(
    DEV_TOKEN_GRANT,
    async (ctx: TokenEndpointGrantContext) => {
      const { client } = ctx.oidc;
      if (client.clientId !== DEV_TOKEN_CLIENT_ID) throw new errors.UnauthorizedClient();
      const parsed = devTokenParams.safeParse({
        subject: ctx.oidc.params.subject,
        email: ctx.oidc.params.email ?? undefined,
        ttl: ctx.oidc.params.ttl ?? undefined,
        groups: ctx.oidc.params.groups ?? undefined,
      });
      if (!parsed.success) {
        throw new errors.InvalidRequest(
          parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        );
      }
      const { subject, email, ttl, groups } = parsed.data;
      const grant = new provider.Grant({ accountId: subject, clientId: client.clientId });
      grant.addResourceScope(resource, resourceServer.scope);
      const grantId = await grant.save();
      const token = new provider.AccessToken({
        accountId: subject,
        client,
        grantId,
        gty: 'dev_token',
        scope: resourceServer.scope,
        expiresIn: ttl,
        resourceServer: new provider.ResourceServer(resource, resourceServer),
      });
      const mail = email ?? (subject.includes('@') ? subject : undefined);
      if (mail) devTokenEmails.set(token, mail);
      if (groups) devTokenGroups.set(token, groups);
      const value = await token.save();
      ctx.body = {
        access_token: value,
        token_type: 'Bearer',
        expires_in: token.expiration,
        scope: token.scope,
      };
    },
    ['subject', 'email', 'ttl', 'groups'],
  );
}
