import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { CliError } from './errors.js';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

/**
 * Runs a command with inherited stdio, forwards the signals a terminal or supervisor sends,
 * and resolves with the exit code a shell would report (128 + signal number for a signal).
 */
export async function runChild(command: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [file, ...args] = command;
  if (!file) throw new CliError('no command to run');
  const child = spawn(file, args, { stdio: 'inherit', env });
  const forwarders = FORWARDED.map((signal) => {
    const forward = () => child.kill(signal);
    process.on(signal, forward);
    return () => process.off(signal, forward);
  });
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', (error) => reject(new CliError(`cannot run ${file}: ${error.message}`, 127)));
      child.once('exit', (status, signal) =>
        resolve(status ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1)),
      );
    });
  } finally {
    for (const remove of forwarders) remove();
  }
}
