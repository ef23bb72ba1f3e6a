import { dirname } from 'node:path';
import type { Command } from 'commander';
import { chooseKeychain, configPath, keychainChosen, readProfiles } from '../config-store.js';
import { CliError } from '../errors.js';
import { sessionSecret } from '../login/session.js';
import { CACHE_KEY_SECRET, FileSecretStore, reachableKeychain, type SecretStore } from '../secret-store.js';
import { out } from '../terminal-text.js';

/** Moves each secret that `from` holds into `to`, then out of `from`: never left in both. */
async function move(names: readonly string[], from: SecretStore, to: SecretStore): Promise<number> {
  let moved = 0;
  for (const name of names) {
    const value = await from.read(name);
    if (value === undefined) continue;
    await to.write(name, value);
    await from.remove(name);
    moved++;
  }
  return moved;
}

/** `credvend keychain [on|off]`: where the cache key and sign-in tokens are kept. */
export function registerKeychain(program: Command): void {
  program
    .command('keychain')
    .description(
      'keep the cache key and sign-in tokens in the OS keychain (on), in 0600 files (off), or say where',
    )
    .argument('[choice]', 'on or off; without it, where they are kept now')
    .action(async (choice: string | undefined) => {
      const path = configPath();
      if (choice === undefined) {
        return void out(
          `${(await keychainChosen(path)) ? 'OS keychain' : `0600 files under ${dirname(path)}`}\n`,
        );
      }
      if (choice !== 'on' && choice !== 'off') throw new CliError('give on or off');
      const keychain = await reachableKeychain(dirname(path));
      if ('problem' in keychain) {
        throw new CliError(
          `no OS keychain here (${keychain.problem}): a Secret Service on the session D-Bus is needed (on Debian: apt-get install gnome-keyring)`,
        );
      }
      const names = [CACHE_KEY_SECRET, ...Object.keys(await readProfiles(path)).map(sessionSecret)];
      const files = new FileSecretStore(dirname(path));
      const [from, to] = choice === 'on' ? [files, keychain.store] : [keychain.store, files];
      const moved = await move(names, from, to);
      await chooseKeychain(path, choice === 'on');
      out(
        `${moved} secret(s) moved; the cache key and sign-in tokens are now kept in ${choice === 'on' ? 'the OS keychain' : '0600 files'}\n`,
      );
    });
}
