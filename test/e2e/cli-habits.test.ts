import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_REQUESTABLE_ID } from '../../src/local/demo-requestable.js';
import { devToken, userEnvironment } from '../integration/support.js';
import { runCli } from './cli-run.js';

const READONLY = '222222222222/credvend-readonly';

/** The habits of Granted and aws-vault users, through the bundled CLI against the local stack. */
describe('daily-driver habits', () => {
  let dir: string;
  const as = async (sub: string) => ({
    ...userEnvironment(dir, await devToken(sub)),
    CREDVEND_CONFIG: join(dir, `${sub}.json`),
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'credvend-habits-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  describe('the request hint on a refusal', () => {
    it('names the request that would give the role; --json adds nothing', async () => {
      const bob = await as('bob@example.com');
      const run = await runCli(['creds', READONLY, '--format', 'credential_process'], bob);
      expect(run.code).toBe(3);
      expect(run.stdout).toBe('');
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^credvend: Not entitled/);
      expect(lines[1]).toBe(
        `credvend: you may request it: credvend request ${DEMO_REQUESTABLE_ID} --duration 1h --reason '<why>'`,
      );

      const json = await runCli(['--json', 'creds', READONLY], bob);
      expect(json.code).toBe(3);
      const errorLines = json.stderr.trim().split('\n');
      expect(errorLines).toHaveLength(1);
      expect(JSON.parse(errorLines[0] ?? '')).toMatchObject({
        error: { problem: { type: 'urn:credvend:problem:not-entitled' } },
      });
    });

    it('where nothing requestable covers the role, points at roles and requestables (console too)', async () => {
      const mallory = await as('mallory@example.com');
      for (const args of [
        ['creds', READONLY],
        ['console', READONLY],
        ['exec', READONLY, '--', 'true'],
      ]) {
        const run = await runCli(args, mallory);
        expect(run.code, args.join(' ')).toBe(3);
        expect(run.stderr.trim().split('\n').at(-1)).toBe(
          'credvend: what you may use: `credvend roles`; what you may ask for: `credvend requestables`',
        );
      }
    });
  });
});
