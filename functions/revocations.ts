import { compose } from '../src/compose/composition.js';
import { createRevocationSweep } from '../src/compose/revocation-sweep.js';
import { lambdaRuntime } from '../src/compose/runtime.js';
import { loadConfig } from '../src/config.js';

/** Scheduled (serverless.yml): completes revocations recorded as due (grant ends, single issuances). */
export const handler = createRevocationSweep(compose(loadConfig(), lambdaRuntime));
