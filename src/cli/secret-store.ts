import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { configPath } from './paths.js';
import { readPrivateFile, writePrivateFile } from './private-files.js';
import { err } from './terminal-text.js';

/**
 * Where the CLI keeps its two kinds of secret: the credential cache's sealing key
 * (`cache/key`) and each profile's sign-in tokens (`tokens/<profile>.json`). By default
 * they are 0600 files beside the config; with `"keychain": true` in the config they are
 * entries of the OS keychain (the Secret Service on Linux, through @napi-rs/keyring) and no
 * file holds them. The sealed cache entries stay files either way: without the key they are
 * noise.
 */
export interface SecretStore {
  readonly kind: 'file' | 'keychain';
  read(name: string): Promise<string | undefined>;
  write(name: string, value: string): Promise<void>;
  remove(name: string): Promise<void>;
}

export const CACHE_KEY_SECRET = 'cache/key';

/** The files beside the config, mode 0600 in 0700 directories (private-files.ts). */
export class FileSecretStore implements SecretStore {
  readonly kind = 'file';
  constructor(private readonly base: string) {}
  read(name: string): Promise<string | undefined> {
    return readPrivateFile(join(this.base, name));
  }
  write(name: string, value: string): Promise<void> {
    return writePrivateFile(join(this.base, name), value);
  }
  async remove(name: string): Promise<void> {
    await rm(join(this.base, name), { force: true });
  }
}

/** The keyring's entry calls this store makes (the library's AsyncEntry). */
export interface KeyringEntry {
  getPassword(): Promise<string | null>;
  setPassword(password: string): Promise<void>;
  deletePassword(): Promise<boolean>;
}
export interface Keyring {
  entry(account: string): KeyringEntry;
  /** Throws when there is no keychain to talk to (no session bus, no Secret Service). */
  probe(): Promise<void>;
}

/** Entries of service `credvend`, one per secret, named by the config directory and the secret. */
export class KeychainSecretStore implements SecretStore {
  readonly kind = 'keychain';
  constructor(
    private readonly keyring: Keyring,
    private readonly base: string,
  ) {}
  private entry(name: string): KeyringEntry {
    return this.keyring.entry(`${this.base}:${name}`);
  }
  async read(name: string): Promise<string | undefined> {
    return (await this.entry(name).getPassword()) ?? undefined;
  }
  write(name: string, value: string): Promise<void> {
    return this.entry(name).setPassword(value);
  }
  async remove(name: string): Promise<void> {
    await this.entry(name).deletePassword();
  }
}

export const KEYRING_SERVICE = 'credvend';

/** The OS keychain through @napi-rs/keyring, loaded only when the keychain is chosen (a native addon). */
export async function osKeyring(): Promise<Keyring> {
  const keyring = await import('@napi-rs/keyring');
  return {
    entry: (account) => new keyring.AsyncEntry(KEYRING_SERVICE, account),
    // Reading a missing entry answers null even with no keychain at all; listing fails then.
    probe: async () => void (await keyring.findCredentialsAsync(KEYRING_SERVICE)),
  };
}

/** The keychain, or undefined with the reason there is none here. */
export async function reachableKeychain(
  base: string,
  keyring: () => Promise<Keyring> = osKeyring,
): Promise<{ store: KeychainSecretStore } | { problem: string }> {
  try {
    const ring = await keyring();
    await ring.probe();
    return { store: new KeychainSecretStore(ring, base) };
  } catch (error) {
    return { problem: error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error) };
  }
}

const configDir = (env: NodeJS.ProcessEnv = process.env) => dirname(configPath(env));

let chosen: Promise<SecretStore> | undefined;

/**
 * The store this process uses, chosen once: the keychain when the config asks for it and
 * one answers, else the files. Falling back is said once on stderr, and the files then
 * hold the secrets exactly as without the option; nothing is kept in both places.
 */
export function secretStore(wantsKeychain: boolean): Promise<SecretStore> {
  chosen ??= (async () => {
    const files = new FileSecretStore(configDir());
    if (!wantsKeychain) return files;
    const keychain = await reachableKeychain(configDir());
    if ('store' in keychain) return keychain.store;
    err(
      `credvend: no OS keychain here (${keychain.problem}); keeping the cache key and sign-in tokens in 0600 files under ${configDir()}\n`,
    );
    return files;
  })();
  return chosen;
}
