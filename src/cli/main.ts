#!/usr/bin/env node
/**
 * The `credvend` entry point. `--version` answers before anything else loads (scripts and
 * shell prompts call it often); every other command loads the program, whose heavier parts
 * load on first use.
 */
import { proxyConfigured, useEnvironmentProxy } from './proxy.js';
import { VERSION } from './version.js';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
} else {
  if (proxyConfigured(process.env)) await useEnvironmentProxy();
  const { runCli } = await import('./program.js');
  await runCli(process.argv);
}
