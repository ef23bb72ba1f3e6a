import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { LocalStackError } from './errors.js';

export interface ManagedProcess {
  name: string;
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 3000;

/**
 * Children still running when this process exits for any reason (a crash included) are
 * killed, so a failed start or an uncaught error never leaves a JVM or moto behind.
 * `exit` handlers must be synchronous, and kill() is.
 */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const orphan of running) orphan.kill('SIGKILL');
    });
  }
  running.add(child);
  child.once('exit', () => running.delete(child));
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  // No pid: spawn itself failed, so there is nothing to stop and no 'exit' to wait for.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Starts `command` and resolves once it accepts TCP connections on host:port. If the
 * child exits first, or does not listen within `timeoutMs`, it is stopped and the error
 * carries the last lines it printed, which usually say why.
 */
export async function startManagedProcess(options: {
  name: string;
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  host: string;
  port: number;
  timeoutMs?: number;
}): Promise<ManagedProcess> {
  const child = spawn(options.command, [...options.args], {
    env: options.env ?? process.env,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let tail = '';
  const keepTail = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-2000);
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
    exited = true;
  });

  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (!(await canConnect(options.host, options.port))) {
    if (exited || Date.now() > deadline) {
      await stopChild(child);
      const why = spawnError ? spawnError.message : exited ? 'exited' : 'did not start listening in time';
      const lastLines = tail.trim().split('\n').slice(-5).join(' | ');
      throw new LocalStackError(
        `${options.name} ${why} on ${options.host}:${options.port}${lastLines ? `: ${lastLines}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { name: options.name, stop: () => stopChild(child) };
}
