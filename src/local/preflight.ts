import { accessSync, constants, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { LocalStackError } from './errors.js';

/**
 * Throws a one-line LocalStackError naming what to install when `command` is not on PATH.
 * Looked up, not run: `moto_server --help` imports all of moto, which blocked every start
 * (npm start, each test run's stack) for about 1.5 s of CPU. A command that is found but
 * broken fails its start instead, with the last lines it printed.
 */
export function assertCommandAvailable(command: string, installHint: string): void {
  const onPath = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '')
    .some((dir) => {
      try {
        accessSync(join(dir, command), constants.X_OK);
        return statSync(join(dir, command)).isFile();
      } catch {
        return false;
      }
    });
  if (!onPath) throw new LocalStackError(`${command} not found: ${installHint}`);
}

function listenOnce(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      server.close(() => resolve(bound));
    });
  });
}

/** Throws a one-line LocalStackError when `port` is taken, naming the variable that moves it. */
export async function assertPortFree(host: string, port: number, envVarName: string): Promise<void> {
  try {
    await listenOnce(host, port);
  } catch {
    throw new LocalStackError(`port ${port} on ${host} is already in use (set ${envVarName} to use another)`);
  }
}

/** A port free at the time of asking, for tests and benchmarks that run their own stack. */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return listenOnce(host, 0);
}
