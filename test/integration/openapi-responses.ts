import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/**
 * Checks every response the integration suite receives against the committed openapi.json,
 * with Ajv (an implementation independent of the zod schemas the document came from): the
 * operation is found by method and path template, the answer by status (else `default`) and
 * media type, and the body must validate against that schema.
 */
const DOCUMENT_ID = 'openapi.json';
const NDJSON = 'application/x-ndjson';
const document: object = JSON.parse(readFileSync(new URL('../../openapi.json', import.meta.url), 'utf8'));
const ajv = new Ajv2020({ strict: false, allErrors: true, unicodeRegExp: false });
addFormats.default(ajv);
ajv.addSchema(document, DOCUMENT_ID);

function objectAt(value: unknown, key: string): Record<string, unknown> | undefined {
  if (value === null || typeof value !== 'object' || !(key in value)) return undefined;
  const found: unknown = Reflect.get(value, key);
  return found !== null && typeof found === 'object' ? { ...found } : undefined;
}

const templates = Object.keys(objectAt(document, 'paths') ?? {}).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`),
}));

const pointer = (...parts: string[]) =>
  parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

/**
 * The JSON pointer of the schema the document gives for this answer (for NDJSON, for each
 * line), or an error naming what is undocumented.
 */
function schemaPointer(method: string, path: string, status: number, mediaType: string): string {
  const template = templates.find((t) => t.pattern.test(path))?.template;
  // A path the API does not have can only answer with a problem (404), documented for every operation.
  if (!template) return `${DOCUMENT_ID}#/components/schemas/Problem`;
  const operation = objectAt(objectAt(objectAt(document, 'paths'), template), method.toLowerCase());
  if (!operation) return `${DOCUMENT_ID}#/components/schemas/Problem`;
  const responses = objectAt(operation, 'responses');
  const key = objectAt(responses, String(status)) ? String(status) : 'default';
  const content = objectAt(objectAt(responses, key), 'content');
  if (!objectAt(content, mediaType)) {
    throw new Error(`openapi.json: ${method} ${template} documents no ${status} answer of type ${mediaType}`);
  }
  const schema = mediaType === NDJSON ? 'x-item-schema' : 'schema';
  return `${DOCUMENT_ID}#/${pointer('paths', template, method.toLowerCase(), 'responses', key, 'content', mediaType, schema)}`;
}

const validators = new Map<string, ValidateFunction>();

/** One compiled validator per schema location, reused for every response (compiling is the slow part). */
function validatorFor(ref: string): ValidateFunction {
  let validate = validators.get(ref);
  if (!validate) {
    validate = ajv.compile({ $ref: ref });
    validators.set(ref, validate);
  }
  return validate;
}

/** Throws when `response` is not what openapi.json says `method path` answers. Reads a clone. */
export async function checkAgainstOpenApi(method: string, path: string, response: Response): Promise<void> {
  const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
  if (response.status === 204 || response.status === 304) return;
  const text = await response.clone().text();
  const bodies: unknown[] =
    mediaType === NDJSON
      ? text
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => JSON.parse(line))
      : [mediaType.endsWith('json') ? JSON.parse(text) : text];
  const ref = schemaPointer(method, path, response.status, mediaType);
  const validate = validatorFor(ref);
  for (const body of bodies) {
    if (!validate(body)) {
      throw new Error(
        `${method} ${path} → ${response.status} ${mediaType} does not match openapi.json: ${ajv.errorsText(validate.errors)}`,
      );
    }
  }
}

/** Anything with Hono's `request(path, init)`: the apps under test. */
interface Requestable {
  request(input: string, init?: RequestInit): Response | Promise<Response>;
}

/** The same app, each response checked against openapi.json before the test sees it. */
export function checkedApp(app: Requestable): {
  request(input: string, init?: RequestInit): Promise<Response>;
} {
  return {
    async request(input, init) {
      const response = await app.request(input, init);
      await checkAgainstOpenApi(init?.method ?? 'GET', new URL(input, 'http://local').pathname, response);
      return response;
    },
  };
}
