/**
 * Own CPU: the real vend app on one core (a child process pinned with taskset where the
 * machine has it), its AWS calls answered by in-memory stand-ins at the SDK's HTTP boundary
 * (bench/aws-stand-ins.ts), beside the same SDK calls made bare. What credvend itself costs
 * per issuance, without emulators or a network in the way.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { Readable } from 'node:stream';
import { ms } from './stats.js';

interface SideFigures {
  perSecond: number;
  p50: number;
  p99: number;
  cpuMicrosPerOp: number;
}

export interface OwnCpuFigures {
  app: SideFigures;
  bare: SideFigures;
  /** The first issuance's SDK calls in order (it leases the quota blocks). */
  calls: string[];
  /** Each SDK call's count per issuance over a batch: leases happen once per block. */
  callsPerIssuance: Record<string, number>;
  /** Each issuance brought a token never seen before (BENCH_FRESH_TOKEN, default on). */
  freshToken: boolean;
  issuances: number;
  /** CloudWatch Logs bytes per issuance: the app's stdout lines, as Lambda ships them. */
  logBytesPerIssuance: number;
  sampleLogLine: string;
}

function isFigures(value: unknown): value is Omit<OwnCpuFigures, 'logBytesPerIssuance' | 'sampleLogLine'> {
  return (
    typeof value === 'object' && value !== null && 'app' in value && 'bare' in value && 'issuances' in value
  );
}

async function collect(stream: Readable | null | undefined): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream ?? []) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export async function benchOwnCpu(): Promise<OwnCpuFigures> {
  const node = [process.execPath, '--import', 'tsx', 'bench/own-cpu-worker.ts'];
  const pinned = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  const [command = 'node', ...args] = pinned ? ['taskset', '-c', '0', ...node] : node;
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit', 'pipe'] });
  const [logs, result, code] = await Promise.all([
    collect(child.stdout),
    collect(child.stdio[3] as Readable),
    new Promise<number | null>((resolve) => child.on('close', resolve)),
  ]);
  if (code !== 0) throw new Error(`own-CPU worker exited with ${code}`);
  const parsed: unknown = JSON.parse(result.toString('utf8'));
  if (!isFigures(parsed)) throw new Error('own-CPU worker gave no figures');
  const figures: OwnCpuFigures = {
    ...parsed,
    logBytesPerIssuance: logs.length / parsed.issuances,
    sampleLogLine: logs.toString('utf8').split('\n')[0] ?? '',
  };
  const { app, bare } = figures;
  console.log(
    `\nown CPU: the vend app in-process${pinned ? ' on one core (taskset -c 0)' : ''}, AWS answered by in-memory stand-ins, ${figures.freshToken ? 'a fresh token per issuance' : 'one token reused (BENCH_FRESH_TOKEN=0)'}; bare calls with the app's client options`,
  );
  const perIssuance = Object.entries(figures.callsPerIssuance)
    .map(([name, n]) => `${name} x${n.toFixed(2)}`)
    .join(', ');
  console.log(
    `  SDK calls per issuance (a batch's average; the bare side replays each issuance's): ${perIssuance}`,
  );
  console.log(
    `  vend app     ${app.perSecond.toFixed(0).padStart(5)} issuances/s  p50 ${ms(app.p50)}  p99 ${ms(app.p99)}  CPU ${(app.cpuMicrosPerOp / 1000).toFixed(3)} ms/issuance`,
  );
  console.log(
    `  bare calls   ${bare.perSecond.toFixed(0).padStart(5)} sequences/s  p50 ${ms(bare.p50)}  p99 ${ms(bare.p99)}  CPU ${(bare.cpuMicrosPerOp / 1000).toFixed(3)} ms/sequence`,
  );
  console.log(
    `  CPU ratio app/bare ${(app.cpuMicrosPerOp / bare.cpuMicrosPerOp).toFixed(2)}x (target <= 1.1x); SDK share of the app's CPU ${((100 * bare.cpuMicrosPerOp) / app.cpuMicrosPerOp).toFixed(0)} %`,
  );
  console.log(
    `  issuances/s per core (CPU-bound ceiling): ${(1e6 / app.cpuMicrosPerOp).toFixed(0)} (1 s / CPU per issuance; the bare calls alone: ${(1e6 / bare.cpuMicrosPerOp).toFixed(0)}; the wall-clock rate above shares the core with the machine's other load)`,
  );
  console.log(`  log bytes per issuance ${figures.logBytesPerIssuance.toFixed(0)}`);
  return figures;
}
