import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withPackagingLock } from '../../src/local/cloudformation/packaging-lock.js';

let dir: string;
let lock: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'packaging-lock-'));
  lock = join(dir, 'cache', 'packaging.lock');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const tick = () => new Promise((resolve) => setTimeout(resolve, 30));

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('packaging lock', () => {
  it('lets one packaging run at a time, in the order they asked', async () => {
    const log: string[] = [];
    const packaging = (name: string) =>
      withPackagingLock(async () => {
        log.push(`${name} starts`);
        await tick();
        log.push(`${name} ends`);
        return name;
      }, lock);
    const results = await Promise.all([packaging('a'), packaging('b'), packaging('c')]);
    expect(results).toEqual(['a', 'b', 'c']);
    for (let i = 0; i < log.length; i += 2) expect(log[i + 1]).toBe(log[i]?.replace('starts', 'ends'));
  });

  it('is given up when the work fails, so the next packaging runs', async () => {
    await expect(withPackagingLock(() => Promise.reject(new Error('esbuild failed')), lock)).rejects.toThrow(
      'esbuild failed',
    );
    await expect(withPackagingLock(async () => 'next', lock)).resolves.toBe('next');
  });

  it('is taken over from a process that died holding it', async () => {
    await mkdir(lock, { recursive: true });
    await writeFile(join(lock, 'owner'), String(deadPid()));
    await expect(withPackagingLock(async () => 'taken over', lock)).resolves.toBe('taken over');
  });

  it('waits for a live owner, and takes over an unsigned lock only once it is old', async () => {
    await mkdir(lock, { recursive: true });
    await writeFile(join(lock, 'owner'), String(process.pid));
    let ran = false;
    const waiting = withPackagingLock(async () => {
      ran = true;
    }, lock);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(ran).toBe(false);
    // The owner's file gone (its maker died before signing) but the folder fresh: still waits.
    await rm(join(lock, 'owner'));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(ran).toBe(false);
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    await waiting;
    expect(ran).toBe(true);
  });
});
