#!/usr/bin/env node
/**
 * The `credvend` entry point. `--version` answers before anything else loads (scripts and
 * shell prompts call it often), and so does a `creds` call the credential cache can answer
 * (credential_process runs before AWS calls; see fast-path.ts); every other command, and
 * every cache miss, loads the program, whose heavier parts load on first use.
 */
import { out } from './terminal-text.js';
import { VERSION } from './version.js';

const args = process.argv.slice(2);

/** Loaded only for `creds`: `--version` parses nothing more than it prints. */
async function servedFromCache(): Promise<boolean> {
  const fast = await import('./fast-path.js');
  return fast.servedFromCache(args, process.env);
}
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  out(`${VERSION}\n`);
} else if (!(args.includes('creds') && (await servedFromCache()))) {
  const { proxyConfigured, useEnvironmentProxy } = await import('./proxy.js');
  if (proxyConfigured(process.env)) await useEnvironmentProxy();
  const { runCli } = await import('./program.js');
  await runCli(process.argv);
}
