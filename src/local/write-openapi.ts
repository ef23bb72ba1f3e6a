import { writeFile } from 'node:fs/promises';
import { buildOpenApiDocument } from '../http/openapi.js';

/** `npm run openapi`: regenerates the committed openapi.json (a test fails while it is stale). */
export function openApiText(): string {
  return `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await writeFile(new URL('../../openapi.json', import.meta.url), openApiText());
}
