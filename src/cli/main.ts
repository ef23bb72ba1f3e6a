#!/usr/bin/env node
/**
 * The `credvend` entry point. `--version` answers before anything else loads (scripts and
 * shell prompts call it often), and so does a `creds` call the credential cache can answer
 * (credential_process runs before AWS calls; see fast-path.ts); every other command, and
 * every cache miss, loads the program (full.ts), whose heavier parts load on first use.
 * Bundled as CommonJS with no top-level await (see bundle.ts): an ES module entry alone
 * costs Node more start-up than the budget these two answers have.
 */
import { outNow } from './terminal-text.js';
import { VERSION } from './version.js';

async function main(args: readonly string[]): Promise<void> {
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    outNow(`${VERSION}\n`);
    return;
  }
  if (args.includes('creds')) {
    const fast = await import('./fast-path.js');
    if (fast.servedFromCache(args, process.env)) return;
  }
  const { runFullProgram } = await import('./full.js');
  await runFullProgram(process.argv);
}

// What the program does not handle itself crashes the process loudly, as a top-level await would.
void main(process.argv.slice(2));
