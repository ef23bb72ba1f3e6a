// fs.promises, not node:fs/promises: Node loads it on first use, so the cache-hit path,
// which reads with blocking calls (readPrivateFileSync), never pays for it.
import { promises as fs, lstatSync, readFileSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';

export class UnsafeFileError extends Error {
  override readonly name = 'UnsafeFileError';
}

/** Whether a file is there and safe to read a secret from; throws UnsafeFileError when it is there and unsafe. */
function privateFileThere(path: string, info: Stats | undefined): boolean {
  if (!info) return false;
  if (!info.isFile()) throw new UnsafeFileError(`${path} is not a regular file`);
  if (typeof process.getuid === 'function' && info.uid !== process.getuid())
    throw new UnsafeFileError(`${path} belongs to another user`);
  if ((info.mode & 0o077) !== 0)
    throw new UnsafeFileError(
      `${path} is readable or writable by others (mode ${(info.mode & 0o777).toString(8)})`,
    );
  return true;
}

/**
 * Reads a file only if it is a regular file owned by this user and unreadable by anyone
 * else: a secret in a file another user could read (or have planted) is not used.
 * Undefined when the file does not exist.
 */
export async function readPrivateFile(path: string): Promise<string | undefined> {
  const info = await fs.lstat(path).catch(() => undefined);
  return privateFileThere(path, info) ? fs.readFile(path, 'utf8') : undefined;
}

/**
 * `readPrivateFile` with blocking calls, for the cache-hit path (fast-path.ts): a process
 * that reads two files and exits saves the start of fs/promises and the thread pool.
 */
export function readPrivateFileSync(path: string): string | undefined {
  const info = lstatSync(path, { throwIfNoEntry: false });
  return privateFileThere(path, info) ? readFileSync(path, 'utf8') : undefined;
}

/** Written atomically (temporary file + rename) with mode 0600, in a 0700 directory. */
export async function writePrivateFile(path: string, content: string): Promise<void> {
  await fs.mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  await fs.writeFile(temporary, content, { mode: 0o600 });
  await fs.chmod(temporary, 0o600);
  await fs.rename(temporary, path);
}
