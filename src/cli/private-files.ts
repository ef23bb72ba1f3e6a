import { chmod, lstat, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export class UnsafeFileError extends Error {
  override readonly name = 'UnsafeFileError';
}

/**
 * Reads a file only if it is a regular file owned by this user and unreadable by anyone
 * else: a secret in a file another user could read (or have planted) is not used.
 * Undefined when the file does not exist.
 */
export async function readPrivateFile(path: string): Promise<string | undefined> {
  const info = await lstat(path).catch(() => undefined);
  if (!info) return undefined;
  if (!info.isFile()) throw new UnsafeFileError(`${path} is not a regular file`);
  if (typeof process.getuid === 'function' && info.uid !== process.getuid())
    throw new UnsafeFileError(`${path} belongs to another user`);
  if ((info.mode & 0o077) !== 0)
    throw new UnsafeFileError(
      `${path} is readable or writable by others (mode ${(info.mode & 0o777).toString(8)})`,
    );
  return readFile(path, 'utf8');
}

/** Written atomically (temporary file + rename) with mode 0600, in a 0700 directory. */
export async function writePrivateFile(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temporary, content, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}
