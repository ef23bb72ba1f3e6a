import { writeFile } from 'node:fs/promises';
import { buildOpenApiDocument } from '../http/openapi.js';
import { accessFileJsonSchema } from '../wire/access-files.js';

/** `npm run openapi`: regenerates the committed openapi.json (a test fails while it is stale). */
export function openApiText(): string {
  return `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
}

/** The access-file schema (`credvend access`), committed beside openapi.json; a test fails while it is stale. */
export function accessFileSchemaText(): string {
  return `${JSON.stringify(accessFileJsonSchema(), null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await writeFile(new URL('../../openapi.json', import.meta.url), openApiText());
  await writeFile(new URL('../../access-files.schema.json', import.meta.url), accessFileSchemaText());
}
