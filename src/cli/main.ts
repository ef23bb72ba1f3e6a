import { Command } from 'commander';
import { registerDevToken } from './dev-token.js';
import { CliError } from './errors.js';

const DEFAULT_API_URL = 'http://127.0.0.1:3000';

const program = new Command('credvend')
  .description('short-lived, audited AWS credentials from credvend')
  .option('--api-url <url>', 'credvend API base URL (env CREDVEND_API_URL)')
  .showHelpAfterError();

const apiUrl = (): string =>
  program.opts<{ apiUrl?: string }>().apiUrl ?? process.env.CREDVEND_API_URL ?? DEFAULT_API_URL;

registerDevToken(program, apiUrl);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`credvend: ${message}\n`);
  process.exitCode = error instanceof CliError ? error.exitCode : 1;
}
