/**
 * The whole program, for every command the entry (main.ts) does not answer itself. The
 * bundle builds it as ES modules split into chunks loaded on first use; the entry stays a
 * small CommonJS file (see bundle.ts), which is what lets `--version` and a cached
 * `creds` start at about the cost of bare Node.
 */
import { proxyConfigured, useEnvironmentProxy } from './proxy.js';

export async function runFullProgram(argv: readonly string[]): Promise<void> {
  if (proxyConfigured(process.env)) await useEnvironmentProxy();
  const { runCli } = await import('./program.js');
  await runCli(argv);
}
