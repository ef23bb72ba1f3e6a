import { createStreamJob } from '../src/compose/anchoring.js';
import { compose } from '../src/compose/composition.js';
import { lambdaRuntime } from '../src/compose/runtime.js';
import { loadConfig } from '../src/config.js';

/** The audit table's DynamoDB stream: each new record becomes one EventBridge event. */
export const handler = createStreamJob(compose(loadConfig(), lambdaRuntime));
