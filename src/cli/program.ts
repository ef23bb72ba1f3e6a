import { Command, Option } from 'commander';
import { registerAccessCommands } from './commands/access.js';
import { registerAdminCommands } from './commands/admin.js';
import { registerAssumeCommands } from './commands/assume.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerAwsConfig } from './commands/aws-config.js';
import { registerCompletion } from './commands/completion.js';
import { registerCredentialCommands } from './commands/credentials.js';
import { registerExec } from './commands/exec.js';
import { registerKeychain } from './commands/keychain.js';
import { registerLogin } from './commands/login.js';
import { registerRequestCommands } from './commands/requests.js';
import { registerReviewCommands } from './commands/reviews.js';
import { registerServe } from './commands/serve.js';
import { registerSessionCommands } from './commands/session.js';
import { registerSessions } from './commands/sessions.js';
import { registerSubjectCommands } from './commands/subjects.js';
import { registerSuggestPolicy } from './commands/suggest-policy.js';
import { configuredApiUrl } from './context.js';
import { registerDevToken } from './dev-token.js';
import { CliError } from './errors.js';
import { err, out } from './terminal-text.js';
import { VERSION } from './version.js';

const program = new Command('credvend')
  .description('short-lived, audited AWS credentials from credvend')
  .addOption(
    new Option('--profile <name>', 'profile in the config file').env('CREDVEND_PROFILE').default('default'),
  )
  .option('--api-url <url>', 'credvend API base URL (env CREDVEND_API_URL)')
  .option('--json', 'machine-readable output')
  .version(VERSION)
  .showHelpAfterError()
  // commander echoes what was typed (an unknown option, a bad argument): escaped like the rest.
  .configureOutput({ writeOut: out, writeErr: err })
  .exitOverride();

const apiUrl = (): Promise<string> => configuredApiUrl(program);

registerLogin(program);
registerCredentialCommands(program);
registerExec(program);
registerAssumeCommands(program);
registerAwsConfig(program);
registerServe(program);
registerSessionCommands(program);
registerSessions(program);
registerKeychain(program);
registerSubjectCommands(program);
registerRequestCommands(program);
registerAdminCommands(program);
registerAccessCommands(program);
registerReviewCommands(program);
registerAuditCommands(program);
registerSuggestPolicy(program);
registerDevToken(program, apiUrl);
registerCompletion(program);

/** The whole command tree, for what is generated from it (the CLI reference). */
export function cliProgram(): Command {
  return program;
}

export async function runCli(argv: readonly string[]): Promise<void> {
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (
      error instanceof Error &&
      'code' in error &&
      typeof error.code === 'string' &&
      error.code.startsWith('commander.')
    ) {
      // commander printed its own message (usage, --help, --version).
      const exitCode = 'exitCode' in error && typeof error.exitCode === 'number' ? error.exitCode : 1;
      process.exitCode = exitCode;
    } else {
      const message = error instanceof Error ? error.message : String(error);
      const exitCode = error instanceof CliError ? error.exitCode : 1;
      // With --json, errors are JSON too (on stderr, so stdout stays empty for the caller's parser).
      if (program.opts<{ json?: boolean }>().json) {
        const problem = error instanceof CliError ? error.problem : undefined;
        err(`${JSON.stringify({ error: { message, exitCode, ...(problem ? { problem } : {}) } })}\n`);
      } else {
        err(`credvend: ${message}\n`);
        const next = error instanceof CliError && error.next ? await error.next() : undefined;
        if (next) err(`credvend: ${next}\n`);
      }
      process.exitCode = exitCode;
    }
  }
}
