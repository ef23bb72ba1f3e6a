import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const PROJECT_ROOT = join(import.meta.dirname, '..', '..', '..');
/** Beside the packaged templates: a clean clone has no such folder until a packaging needs one. */
const LOCK = join(PROJECT_ROOT, 'node_modules', '.cache', 'credvend', 'packaging.lock');
const POLL_MS = 200;
/** Longer than the slowest packaging seen on a loaded machine (about 2 minutes). */
const GIVE_UP_MS = 600_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock folder nobody signed within seconds: its maker died between making and signing it. */
async function unsignedForLong(lock: string): Promise<boolean> {
  const made = await stat(lock)
    .then((info) => info.mtimeMs)
    .catch(() => Date.now());
  return Date.now() - made > 10_000;
}

/** Takes the lock, or removes it when its owner died holding it; false while a live owner holds it. */
async function tryTake(lock: string): Promise<boolean> {
  const owner = join(lock, 'owner');
  try {
    await mkdir(lock);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const pid = Number.parseInt(await readFile(owner, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(pid) ? !alive(pid) : await unsignedForLong(lock)) {
      await rm(lock, { recursive: true, force: true });
    }
    return false;
  }
  await writeFile(owner, String(process.pid));
  return true;
}

/**
 * Runs `work` while no other packaging runs, in this process or another. serverless-esbuild
 * bundles in the service's own `.esbuild` folder, so two packagings at once (`npm test` runs the
 * package project beside the integration project, each of which may package) would overwrite
 * each other's bundles. A lock left by a process that died is taken over.
 */
export async function withPackagingLock<T>(work: () => Promise<T>, lock = LOCK): Promise<T> {
  await mkdir(join(lock, '..'), { recursive: true });
  const deadline = Date.now() + GIVE_UP_MS;
  while (!(await tryTake(lock))) {
    if (Date.now() > deadline) throw new Error(`another packaging has held ${lock} for 10 minutes`);
    await sleep(POLL_MS);
  }
  try {
    return await work();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
