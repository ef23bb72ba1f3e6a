import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { fieldSafe, terminalSafe } from '../../src/cli/terminal-text.js';

/** Characters that drive a terminal: CSI, OSC 52 (clipboard), a C1 CSI, a lone CR, a bidi override, BEL. */
const HOSTILE = '\x1b[2J\x1b]52;c;ZXZpbA==\x07\x9b31m\rapproved\u202egnp.exe';
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is its job
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/;

describe('terminal text', () => {
  it('shows every control character as its escape, keeping tabs, newlines and CRLF', () => {
    expect(terminalSafe(HOSTILE)).toBe(
      '\\u001b[2J\\u001b]52;c;ZXZpbA==\\u0007\\u009b31m\\u000dapproved\\u202egnp.exe',
    );
    expect(terminalSafe('a\tb\nc\r\nd')).toBe('a\tb\nc\r\nd');
    expect(fieldSafe('two\nlines\tand\r\n')).toBe('two\\u000alines\\u0009and\\u000d\\u000a');
  });

  it('leaves JSON valid and meaning the same', () => {
    const value = { reason: HOSTILE, name: 'Ünïcode ok' };
    const shown = terminalSafe(JSON.stringify(value));
    expect(shown).not.toMatch(RAW);
    expect(JSON.parse(shown)).toEqual(value);
  });

  it('is the only way the CLI writes to stdout, stderr or the terminal', async () => {
    const root = join(import.meta.dirname, '..', '..', 'src', 'cli');
    const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.ts'));
    const offenders: string[] = [];
    for (const file of files) {
      if (file === 'terminal-text.ts') continue;
      const source = await readFile(join(root, file), 'utf8');
      if (/process\.std(out|err)\.write|console\.(log|error|warn|info)|writeSync\(/.test(source))
        offenders.push(file);
    }
    expect(offenders).toEqual([]);
  });
});

describe('a hostile problem detail, as the CLI prints it', () => {
  let server: Server;
  let apiUrl: string;
  let home: string;
  beforeAll(async () => {
    server = createServer((_request, response) => {
      response.writeHead(403, { 'content-type': 'application/problem+json' });
      response.end(JSON.stringify({ type: 'about:blank', title: 'Forbidden', status: 403, detail: HOSTILE }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    home = await mkdtemp(join(tmpdir(), 'credvend-terminal-'));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(home, { recursive: true, force: true });
  });

  it.each([[[]], [['--json']]])('reaches the terminal escaped (%j)', async (flags) => {
    vi.stubEnv('CREDVEND_TOKEN', 'token');
    vi.stubEnv('CREDVEND_CONFIG', join(home, 'config.json'));
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      await runCli(['node', 'credvend', '--api-url', apiUrl, ...flags, 'requests']);
    } finally {
      spy.mockRestore();
      vi.unstubAllEnvs();
      process.exitCode = undefined;
    }
    const stderr = written.join('');
    expect(stderr).toContain('approved');
    expect(stderr).toContain('\\u001b[2J');
    expect(stderr).not.toMatch(RAW);
  });
});
