import { compose } from '../src/compose/composition.js';
import { createDigestJob } from '../src/compose/digest.js';
import { lambdaRuntime } from '../src/compose/runtime.js';
import { loadConfig } from '../src/config.js';

/** Scheduled (serverless.yml): signs the chain heads into the next digest in S3. */
export const handler = createDigestJob(compose(loadConfig(), lambdaRuntime));
