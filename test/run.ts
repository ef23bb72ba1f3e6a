/**
 * `npm test` after lint, in two lanes at once. The integration project (one local stack, its
 * files one at a time) is most of the suite's time and leaves about a third of the two cores
 * idle while it waits on its emulators, so the type check, the unit project (with the domain's
 * coverage gate) and the package project run beside it instead of before and after it. The
 * integration lane prints as it goes; the other lane's output follows it, whole. Exits non-zero
 * when any step of either lane fails; a lane stops at its first failing step.
 *
 * Usage (through src/local/with-node.ts, so every step runs on the Lambda runtime's Node):
 *   tsx test/run.ts
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Lane {
  readonly name: string;
  readonly steps: readonly (readonly string[])[];
  /** Prints as it runs; the other lane's output is held until the end. */
  readonly live: boolean;
}

const LANES: readonly Lane[] = [
  { name: 'integration', live: true, steps: [['vitest', 'run', '--project', 'integration']] },
  {
    name: 'typecheck, unit, package',
    live: false,
    steps: [
      ['npm', 'run', '--silent', 'typecheck'],
      ['vitest', 'run', '--project', 'unit', '--coverage'],
      ['vitest', 'run', '--project', 'package'],
    ],
  },
];

interface LaneResult {
  readonly lane: Lane;
  readonly failedStep: string | undefined;
  readonly output: string;
  readonly seconds: number;
}

function runStep(step: readonly string[], live: boolean, sink: string[]): Promise<boolean> {
  const [command = '', ...args] = step;
  const child = spawn(command, args, { stdio: live ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => sink.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => sink.push(chunk.toString()));
  return new Promise((resolve) => {
    child.on('error', (error) => {
      sink.push(`cannot run ${command}: ${error.message}\n`);
      resolve(false);
    });
    child.on('close', (code) => resolve(code === 0));
  });
}

async function runLane(lane: Lane): Promise<LaneResult> {
  const started = Date.now();
  const output: string[] = [];
  let failedStep: string | undefined;
  for (const step of lane.steps) {
    if (!lane.live) output.push(`\n$ ${step.join(' ')}\n`);
    if (!(await runStep(step, lane.live, output))) {
      failedStep = step.join(' ');
      break;
    }
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  const result = { lane, failedStep, output: output.join(''), seconds };
  if (!lane.live) console.log(`\n[npm test] ${summary(result)}; its output follows the integration run.\n`);
  return result;
}

function summary({ lane, failedStep, seconds }: LaneResult): string {
  return failedStep === undefined
    ? `${lane.name}: passed in ${seconds} s`
    : `${lane.name}: FAILED at \`${failedStep}\` after ${seconds} s`;
}

// Both lanes may package the template (serverless-package.ts): the first packaging of the run
// bundles the functions into this folder and every later one, in either lane, reuses the zips.
const sharedBundles = mkdtempSync(join(tmpdir(), 'credvend-run-bundles-'));
process.env.CREDVEND_SHARED_BUNDLES = sharedBundles;
const started = Date.now();
const results = await Promise.all(LANES.map(runLane)).finally(() =>
  rmSync(sharedBundles, { recursive: true, force: true }),
);
for (const result of results.filter((r) => !r.lane.live)) {
  console.log(`\n[npm test] ── ${result.lane.name} ──${result.output}`);
}
console.log(
  `\n[npm test] ${results.map(summary).join('; ')}; ${Math.round((Date.now() - started) / 1000)} s in all.`,
);
process.exitCode = results.every((r) => r.failedStep === undefined) ? 0 : 1;
