import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:os';
import { CliError } from './errors.js';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

/** How a child ended: its exit code, or the signal that killed it. */
export interface ChildExit {
  code: number;
  signal?: NodeJS.Signals;
}

/**
 * Runs a command with inherited stdio and forwards the signals a terminal or supervisor
 * sends. A child killed by a signal reports the code a shell would (128 + its number).
 */
export async function runChild(command: readonly string[], env: NodeJS.ProcessEnv): Promise<ChildExit> {
  const [file, ...args] = command;
  if (!file) throw new CliError('no command to run');
  // Handlers first: a signal that arrives while the child starts is held, then forwarded,
  // instead of killing credvend and orphaning the child.
  let child: ChildProcess | undefined;
  const held: NodeJS.Signals[] = [];
  const forwarders = FORWARDED.map((signal) => {
    const forward = () => (child ? child.kill(signal) : held.push(signal));
    process.on(signal, forward);
    return () => process.off(signal, forward);
  });
  try {
    const started = spawn(file, args, { stdio: 'inherit', env });
    child = started;
    for (const signal of held) started.kill(signal);
    return await new Promise<ChildExit>((resolve, reject) => {
      started.once('error', (error) => reject(new CliError(`cannot run ${file}: ${error.message}`, 127)));
      started.once('exit', (status, signal) =>
        resolve(signal ? { code: 128 + (constants.signals[signal] ?? 0), signal } : { code: status ?? 1 }),
      );
    });
  } finally {
    for (const remove of forwarders) remove();
  }
}

/**
 * Ends this process as the child ended. A child killed by a signal is re-raised on
 * credvend itself (its handlers are gone by now), so a shell or supervisor waiting on
 * credvend sees death by that signal, as if it had run the child itself: a shell loop stops
 * on Ctrl-C. Where the signal does nothing to Node (SIGPIPE), the 128 + n code remains.
 */
export function exitAsChild(exit: ChildExit): void {
  process.exitCode = exit.code;
  if (exit.signal) process.kill(process.pid, exit.signal);
}
