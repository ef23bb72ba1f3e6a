/**
 * `npm run bench`: starts its own local stack on free ports and prints figures.
 * Figures belong here, not in timed tests: they depend on the machine and the emulators.
 */

import { startLocalEnvironment } from '../src/local/environment.js';
import { findFreePort } from '../src/local/preflight.js';
import { benchAudit } from './audit.js';
import { benchCli } from './cli.js';
import { benchIssuance } from './issuance.js';
import { benchLoad } from './load.js';
import { benchRejectionCost } from './rejection-cost.js';
import { benchSubjects } from './subjects.js';

const host = '127.0.0.1';
const requests = Number(process.env.BENCH_REQUESTS ?? 300);
const environment = await startLocalEnvironment({
  host,
  apiPort: await findFreePort(host),
  dynamodbPort: await findFreePort(host),
  motoPort: await findFreePort(host),
  logLevel: 'warn',
});
try {
  if (process.env.BENCH_SKIP_CLI !== '1') await benchCli(environment);
  await benchIssuance(environment, requests);
  await benchRejectionCost(environment, requests);
  if (process.env.BENCH_SKIP_SUBJECTS !== '1') await benchSubjects(environment, requests);
  if (process.env.BENCH_SKIP_LOAD !== '1') {
    await benchLoad(
      environment,
      Number(process.env.BENCH_LOAD_REQUESTS ?? 2000),
      Number(process.env.BENCH_CONCURRENCY ?? 16),
    );
  }
  // Last: its 100k records would slow everything after it (benchLoad counts audit records with a full Scan).
  if (process.env.BENCH_SKIP_AUDIT !== '1') {
    await benchAudit(environment, Number(process.env.BENCH_AUDIT_RECORDS ?? 100_000));
  }
} finally {
  await environment.stop();
}
