import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/local/preflight.js';

const DEFAULT_PORTS = { api: 3000, dynamodb: 8000, moto: 4566 };

/** The README's walkthrough block: what it promises `npm start` prints. */
async function walkthroughBlock(): Promise<string> {
  const readme = await readFile('README.md', 'utf8');
  const intro = readme.indexOf('`npm start` prints exactly this (with the default ports):');
  const start = readme.indexOf('```text\n', intro);
  const end = readme.indexOf('\n```', start + 8);
  if (intro < 0 || start < 0 || end < 0) throw new Error('README has no npm start walkthrough block');
  return readme.slice(start + '```text\n'.length, end);
}

const refused = (port: number) =>
  new Promise<boolean>((done) => {
    const socket = createConnection(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      done(false);
    });
    socket.once('error', () => done(true));
  });

/** `npm start` itself, on free ports, as a person runs it; stopped with Ctrl-C (SIGINT to its process group). */
describe('npm start', () => {
  it('prints exactly the README walkthrough (ports aside), and Ctrl-C stops everything', {
    timeout: 240_000,
  }, async () => {
    const ports = {
      api: await findFreePort(),
      dynamodb: await findFreePort(),
      moto: await findFreePort(),
    };
    const child = spawn('npm', ['start'], {
      detached: true,
      env: {
        ...process.env,
        CREDVEND_API_PORT: String(ports.api),
        CREDVEND_DYNAMODB_PORT: String(ports.dynamodb),
        CREDVEND_MOTO_PORT: String(ports.moto),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<NodeJS.Signals | number | null>((done) =>
      child.once('exit', (code, signal) => done(signal ?? code)),
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const started = new Promise<void>((done, fail) => {
      child.stdout.on('data', (chunk) => {
        stdout += String(chunk);
        if (stdout.includes('Ctrl-C stops everything.\n')) done();
      });
      void exited.then(() => fail(new Error(`npm start ended: ${stderr}`)));
    });
    try {
      await started;
      // npm's own "> credvend@… start" lines come first; the banner is what credvend prints.
      const banner = stdout.slice(stdout.indexOf('credvend local stack is up'));
      const promised = (await walkthroughBlock())
        .replaceAll(`:${DEFAULT_PORTS.api}`, `:${ports.api}`)
        .replaceAll(`:${DEFAULT_PORTS.dynamodb}`, `:${ports.dynamodb}`)
        .replaceAll(`:${DEFAULT_PORTS.moto}`, `:${ports.moto}`);
      expect(banner).toBe(`${promised}\n`);
    } finally {
      if (child.pid) process.kill(-child.pid, 'SIGINT');
    }
    // npm itself ends on SIGINT as a terminal's foreground job does; the stack stops behind it.
    expect([0, 'SIGINT']).toContain(await exited);
    const deadline = Date.now() + 30_000;
    const open = async () => (await Promise.all(Object.values(ports).map(refused))).some((r) => !r);
    while ((await open()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(await open(), 'a port still answers after Ctrl-C').toBe(false);
  });
});
