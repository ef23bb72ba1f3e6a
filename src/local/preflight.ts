import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { LocalStackError } from './errors.js';

/** Throws a one-line LocalStackError naming what to install when `command` is not on PATH. */
export function assertCommandAvailable(
  command: string,
  versionArgs: readonly string[],
  installHint: string,
): void {
  const result = spawnSync(command, [...versionArgs], { stdio: 'ignore', timeout: 30_000 });
  if (result.error || result.status !== 0) throw new LocalStackError(`${command} not found: ${installHint}`);
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
