import { writeFile } from 'node:fs/promises';
import { serverlessHttpEventsText } from '../../http/serverless-events.js';
import { cliReference } from './cli.js';
import { configurationReference } from './configuration.js';
import { httpApiReference } from './http-api.js';

/** Each generated reference file (under docs/reference/) and what renders it. */
export const REFERENCE_DOCS = {
  'http-api.md': httpApiReference,
  'configuration.md': configurationReference,
  'cli.md': cliReference,
} as const;

// `npm run docs`: regenerates docs/reference/ and serverless.yml's HTTP events (a test fails
// while one of them is stale).
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [name, render] of Object.entries(REFERENCE_DOCS)) {
    await writeFile(new URL(`../../../docs/reference/${name}`, import.meta.url), render());
  }
  await writeFile(new URL('../../../deploy/http-events.json', import.meta.url), serverlessHttpEventsText());
}
