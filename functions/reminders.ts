import { compose } from '../src/compose/composition.js';
import { createFollowUpJob } from '../src/compose/follow-ups.js';
import { lambdaRuntime } from '../src/compose/runtime.js';
import { loadConfig } from '../src/config.js';

/** Scheduled (serverless.yml): reminders, escalations and grant-ending notices, each sent once. */
export const handler = createFollowUpJob(compose(loadConfig(), lambdaRuntime));
