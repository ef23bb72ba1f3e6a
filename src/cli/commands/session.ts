import type { Command } from 'commander';
import { readProfiles } from '../config-store.js';
import { type GlobalOptions, printJson, resolveTarget } from '../context.js';
import { DiskCredentialCache } from '../disk-cache.js';
import { cacheDir, configPath } from '../paths.js';
import { out } from '../terminal-text.js';
import { describeCaller } from '../whoami.js';

/** `whoami` and `logout`: the state of a profile's sign-in. */
export function registerSessionCommands(program: Command): void {
  program
    .command('whoami')
    .description('who this profile calls credvend as, until when, and where')
    .action(async () => {
      const target = await resolveTarget(program);
      const who = { profile: target.profile, ...(await describeCaller(target)) };
      if (program.opts<GlobalOptions>().json) return printJson(who);
      out(
        [
          `profile    ${who.profile} (${who.auth})`,
          `principal  ${who.principal}`,
          ...(who.email ? [`email      ${who.email}`] : []),
          ...(who.expiresAt ? [`expires    ${who.expiresAt}`] : []),
          `api        ${who.apiUrl}`,
          '',
        ].join('\n'),
      );
    });

  program
    .command('logout')
    .description("forget this profile's sign-in tokens (revoking the refresh token) and cached credentials")
    .action(async () => {
      const { profile, json } = program.opts<GlobalOptions>();
      const auth = (await readProfiles(configPath()))[profile]?.auth;
      const { deleteSession, readSession } = await import('../login/session.js');
      const session = await readSession(profile).catch(() => undefined);
      let revoked = false;
      if (session && auth?.type === 'login') {
        const { revokeSession } = await import('../login/oauth.js');
        revoked = await revokeSession(auth, session);
      }
      const signedOut = await deleteSession(profile);
      await new DiskCredentialCache(cacheDir(), () => undefined).clearProfile(profile);
      if (json) return printJson({ profile, signedOut, refreshTokenRevoked: revoked, cacheCleared: true });
      out(
        `${signedOut ? 'signed out of' : 'no sign-in for'} profile "${profile}"` +
          `${revoked ? ' (refresh token revoked at the IdP)' : ''}; cached credentials cleared\n`,
      );
    });
}
