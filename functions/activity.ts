import { createActivityJob } from '../src/compose/activity.js';
import { compose } from '../src/compose/composition.js';
import { lambdaRuntime } from '../src/compose/runtime.js';
import { loadConfig } from '../src/config.js';

/** S3 event notifications of an organization trail's bucket: what credvend's sessions did. */
export const handler = createActivityJob(compose(loadConfig(), lambdaRuntime));
