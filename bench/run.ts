/**
 * `npm run bench`: starts its own local stack on free ports and prints figures.
 * Figures belong here, not in timed tests: they depend on the machine and the emulators.
 * BENCH_SKIP_<CASE>=1 skips a case: CLI, COLD_START, OWN_CPU, COST (needs OWN_CPU), SUBJECTS,
 * LOAD, AUDIT.
 */

import { startLocalEnvironment } from '../src/local/environment.js';
import { findFreePort } from '../src/local/preflight.js';
import { benchAudit } from './audit.js';
import { benchCli } from './cli.js';
import { benchColdStart } from './cold-start.js';
import { benchCostModel, type CostFigures } from './cost-model.js';
import { benchIssuance } from './issuance.js';
import { benchLoad } from './load.js';
import { benchOwnCpu } from './own-cpu.js';
import { memorySizeOf } from './prices.js';
import { benchRejectionCost } from './rejection-cost.js';
import { benchSubjects } from './subjects.js';
import { printTargets } from './targets.js';

const host = '127.0.0.1';
const requests = Number(process.env.BENCH_REQUESTS ?? 300);
const runs = (name: string) => process.env[`BENCH_SKIP_${name}`] !== '1';

// Before the stack starts: both run in child processes and want the CPU to themselves.
const coldStart = runs('COLD_START')
  ? await benchColdStart(Number(process.env.BENCH_COLD_START_RUNS ?? 15))
  : undefined;
const ownCpu = runs('OWN_CPU') ? await benchOwnCpu() : undefined;

const environment = await startLocalEnvironment({
  host,
  apiPort: await findFreePort(host),
  dynamodbPort: await findFreePort(host),
  motoPort: await findFreePort(host),
  logLevel: 'warn',
});
let cost: CostFigures | undefined;
try {
  if (runs('CLI')) await benchCli(environment);
  await benchIssuance(environment, requests);
  if (ownCpu && runs('COST')) cost = await benchCostModel(environment, ownCpu, coldStart, requests);
  else await benchRejectionCost(environment, requests, await memorySizeOf('vend'));
  if (runs('SUBJECTS')) await benchSubjects(environment, requests);
  if (runs('LOAD')) {
    await benchLoad(
      environment,
      Number(process.env.BENCH_LOAD_REQUESTS ?? 2000),
      Number(process.env.BENCH_CONCURRENCY ?? 16),
    );
  }
  // Last: its 100k records would slow everything after it (benchLoad counts audit records with a full Scan).
  if (runs('AUDIT')) await benchAudit(environment, Number(process.env.BENCH_AUDIT_RECORDS ?? 100_000));
} finally {
  await environment.stop();
}
printTargets({ coldStart, ownCpu, cost });
