import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
// fs.promises, not node:fs/promises: Node loads it on first use, so the cache-hit path,
// which reads with blocking calls (peekSync), never pays for it.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { profileFileName } from './paths.js';
import { readPrivateFile, readPrivateFileSync, UnsafeFileError, writePrivateFile } from './private-files.js';

/**
 * Everything that decides which credentials an answer holds. Two requests share a cache
 * entry only when every field is equal: the same API, profile, verified-by-the-API caller
 * (the token's issuer and subject, or the AWS key), and the same request body.
 */
export interface CacheKey {
  apiUrl: string;
  profile: string;
  principal: string;
  request: Readonly<Record<string, unknown>>;
}

/**
 * Reused only while more than this remains: botocore refreshes credential_process
 * credentials 15 minutes before expiry (mandatory at 10) and the JS SDK 5 minutes before,
 * so an answer inside that window would make them call again at once, on every call.
 */
const REUSE_MARGIN_MS = 20 * 60_000;

const canonical = (key: CacheKey): string =>
  JSON.stringify([key.apiUrl.replace(/\/$/, ''), key.profile, key.principal, sortKeys(key.request)]);

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  return value;
}

interface Sealed {
  v: 1;
  expiresAt: number;
  /** Served until then; without it, until REUSE_MARGIN_MS before expiry. */
  reuseUntil?: number;
  /** The entitlement the credentials were issued under (not secret): what revocation forgets. */
  entitlementId?: string;
  /** The canonical cache key (not secret; it is also the sealing's additional data): what `sessions` lists by. */
  key?: string;
  iv: string;
  tag: string;
  data: string;
}

/** The sealing key a key file holds, when it holds one. */
function keyOfText(text: string | undefined): Buffer | undefined {
  const key = text === undefined ? undefined : Buffer.from(text.trim(), 'base64url');
  return key?.length === 32 ? key : undefined;
}

const entryName = (canonicalKey: string) => createHash('sha256').update(canonicalKey).digest('base64url');

function isSealed(value: unknown): value is Sealed {
  if (!value || typeof value !== 'object') return false;
  const v: Record<string, unknown> = { ...value };
  return (
    v.v === 1 &&
    typeof v.expiresAt === 'number' &&
    (v.reuseUntil === undefined || typeof v.reuseUntil === 'number') &&
    (v.entitlementId === undefined || typeof v.entitlementId === 'string') &&
    (v.key === undefined || typeof v.key === 'string') &&
    typeof v.iv === 'string' &&
    typeof v.tag === 'string' &&
    typeof v.data === 'string'
  );
}

/** A cached entry as `sessions` lists it: its key and the answer it holds. */
export interface CachedEntry {
  key: CacheKey;
  expiresAt: number;
  value: string;
}

/** A recorded canonical key back as a CacheKey, or undefined when it is not one. */
function parseCanonical(text: string): CacheKey | undefined {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed) || parsed.length !== 4) return undefined;
  const [apiUrl, profile, principal, request] = parsed;
  if (typeof apiUrl !== 'string' || typeof profile !== 'string' || typeof principal !== 'string')
    return undefined;
  if (!request || typeof request !== 'object' || Array.isArray(request)) return undefined;
  return { apiUrl, profile, principal, request: { ...request } };
}

export type CacheWarning = (message: string) => void;

/** Where the sealing key is kept: by default the file `key` in the cache directory. */
export interface SealingKeyHolder {
  read(): Promise<string | undefined>;
  write(value: string): Promise<void>;
}

/**
 * Credentials cached between invocations, one file per key, 0600 in a 0700 directory per
 * profile. Each entry is sealed with AES-256-GCM under a random local key (0600), with the
 * whole cache key as additional data: an edited file, or one copied to another key's name
 * (another caller's, say), fails to open and is refused, as is a file others could read.
 */
export class DiskCredentialCache {
  constructor(
    private readonly dir: string,
    private readonly warn: CacheWarning,
    private readonly now: () => number = Date.now,
    private readonly keyHolder: SealingKeyHolder = {
      read: () => readPrivateFile(join(dir, 'key')),
      write: (value) => writePrivateFile(join(dir, 'key'), value),
    },
  ) {}

  private entryPath(key: CacheKey): string {
    return join(this.dir, profileFileName(key.profile), `${entryName(canonical(key))}.json`);
  }

  private keyPath(): string {
    return join(this.dir, 'key');
  }

  private async sealingKey(create: boolean): Promise<Buffer | undefined> {
    const existing = keyOfText(await this.keyHolder.read());
    if (existing || !create) return existing;
    const key = randomBytes(32);
    await this.keyHolder.write(key.toString('base64url'));
    return key;
  }

  /** The entry's plain text; throws UnsafeFileError for one that must not be used. */
  private async open(key: CacheKey): Promise<string | undefined> {
    const path = this.entryPath(key);
    const sealed = this.usable(path, await readPrivateFile(path));
    if (!sealed) return undefined;
    return this.unseal(path, sealed, canonical(key), await this.sealingKey(false));
  }

  /** An entry's sealed form while it may still be served; throws UnsafeFileError for one that is not an entry. */
  private usable(path: string, text: string | undefined): Sealed | undefined {
    if (text === undefined) return undefined;
    const sealed: unknown = JSON.parse(text);
    if (!isSealed(sealed)) throw new UnsafeFileError(`${path} is not a credvend cache entry`);
    return (sealed.reuseUntil ?? sealed.expiresAt - REUSE_MARGIN_MS) > this.now() ? sealed : undefined;
  }

  private unseal(path: string, sealed: Sealed, canonicalKey: string, secret: Buffer | undefined): string {
    if (!secret) throw new UnsafeFileError(`${path} cannot be opened: the cache key is missing`);
    const decipher = createDecipheriv('aes-256-gcm', secret, Buffer.from(sealed.iv, 'base64url'));
    decipher.setAAD(Buffer.from(canonicalKey));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64url'));
    try {
      return Buffer.concat([
        decipher.update(Buffer.from(sealed.data, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new UnsafeFileError(`${path} was modified or belongs to another request`);
    }
  }

  /**
   * A profile's entries that have not expired, each opened under the key it names (so an
   * edited key or a file renamed to another key's name is left out, as \`get\` would refuse
   * it). Entries written before keys were recorded are not listed.
   */
  async live(profile: string): Promise<CachedEntry[]> {
    const dir = join(this.dir, profileFileName(profile));
    const names = await fs.readdir(dir).catch(() => []);
    const entries = await Promise.all(
      names.filter((n) => n.endsWith('.json')).map((n) => this.liveEntry(join(dir, n), n)),
    );
    return entries.filter((e) => e !== undefined).sort((a, b) => a.expiresAt - b.expiresAt);
  }

  private async liveEntry(path: string, name: string): Promise<CachedEntry | undefined> {
    try {
      const text = await readPrivateFile(path);
      const sealed: unknown = text ? JSON.parse(text) : undefined;
      if (!isSealed(sealed) || !sealed.key || sealed.expiresAt <= this.now()) return undefined;
      if (`${entryName(sealed.key)}.json` !== name) return undefined;
      const key = parseCanonical(sealed.key);
      const value = this.unseal(path, sealed, sealed.key, await this.sealingKey(false));
      return key ? { key, expiresAt: sealed.expiresAt, value } : undefined;
    } catch {
      // Unreadable, unsafe or not intact: not listed (\`get\` reports and removes it when used).
      return undefined;
    }
  }

  /** The cached answer for `key`, if one is there, intact, private and fresh enough. */
  async get(key: CacheKey): Promise<string | undefined> {
    try {
      return await this.open(key);
    } catch (error) {
      this.warn(`ignoring cached credentials: ${error instanceof Error ? error.message : String(error)}`);
      await fs.rm(this.entryPath(key), { force: true });
      return undefined;
    }
  }

  /**
   * `get` without side effects (an entry that cannot be used is left for `get` to report
   * and remove) and with blocking reads, for the cache-hit path (fast-path.ts): a process
   * that answers from the cache and exits has no use for the thread pool.
   */
  peekSync(key: CacheKey): string | undefined {
    try {
      const path = this.entryPath(key);
      const sealed = this.usable(path, readPrivateFileSync(path));
      if (!sealed) return undefined;
      return this.unseal(path, sealed, canonical(key), keyOfText(readPrivateFileSync(this.keyPath())));
    } catch {
      return undefined;
    }
  }

  /**
   * Seals `value` under `key`. `entry.reuseUntil` shortens or lengthens the default reuse
   * (see REUSE_MARGIN_MS); `entry.entitlementId` lets revocation find the entry.
   */
  async put(
    key: CacheKey,
    value: string,
    entry: { expiresAt: number; reuseUntil?: number; entitlementId?: string },
  ): Promise<void> {
    const { expiresAt } = entry;
    const secret = await this.sealingKey(true);
    if (!secret) return;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', secret, iv);
    cipher.setAAD(Buffer.from(canonical(key)));
    const data = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    const sealed: Sealed = {
      v: 1,
      expiresAt,
      ...(entry.reuseUntil !== undefined ? { reuseUntil: entry.reuseUntil } : {}),
      ...(entry.entitlementId !== undefined ? { entitlementId: entry.entitlementId } : {}),
      key: canonical(key),
      iv: iv.toString('base64url'),
      tag: cipher.getAuthTag().toString('base64url'),
      data: data.toString('base64url'),
    };
    await writePrivateFile(this.entryPath(key), JSON.stringify(sealed));
  }

  async delete(key: CacheKey): Promise<void> {
    await fs.rm(this.entryPath(key), { force: true });
  }

  /** Forgets a profile's cached credentials issued under one entitlement (a grant revoked here). */
  async forgetEntitlement(profile: string, entitlementId: string): Promise<number> {
    const dir = join(this.dir, profileFileName(profile));
    const names = await fs.readdir(dir).catch(() => []);
    let forgotten = 0;
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      const text = await fs.readFile(join(dir, name), 'utf8').catch(() => '');
      const sealed: unknown = text ? JSON.parse(text) : undefined;
      if (isSealed(sealed) && sealed.entitlementId === entitlementId) {
        await fs.rm(join(dir, name), { force: true });
        forgotten++;
      }
    }
    return forgotten;
  }

  /** Forgets every cached credential of a profile (`credvend logout`). */
  async clearProfile(profile: string): Promise<void> {
    await fs.rm(join(this.dir, profileFileName(profile)), { recursive: true, force: true });
  }
}
