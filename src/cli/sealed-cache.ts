import { configuredSecrets } from './config-store.js';
import { type CacheWarning, DiskCredentialCache } from './disk-cache.js';
import { cacheDir } from './paths.js';
import { CACHE_KEY_SECRET } from './secret-store.js';

/** The credential cache with its sealing key where the config keeps secrets (files or the OS keychain). */
export async function sealedCache(warn: CacheWarning): Promise<DiskCredentialCache> {
  const secrets = await configuredSecrets();
  return new DiskCredentialCache(cacheDir(), warn, Date.now, {
    read: () => secrets.read(CACHE_KEY_SECRET),
    write: (value) => secrets.write(CACHE_KEY_SECRET, value),
  });
}
