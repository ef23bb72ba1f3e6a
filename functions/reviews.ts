import { compose } from '../src/compose/composition.js';
import { createReviewDeadlineJob } from '../src/compose/review-deadlines.js';
import { lambdaRuntime } from '../src/compose/runtime.js';
import { loadConfig } from '../src/config.js';

/** Scheduled (serverless.yml): review notices to reviewers, and each passed deadline's default. */
export const handler = createReviewDeadlineJob(compose(loadConfig(), lambdaRuntime));
