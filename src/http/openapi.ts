import * as z from 'zod';
import * as accessRequests from '../wire/access-requests.js';
import * as audit from '../wire/audit.js';
import * as credentials from '../wire/credentials.js';
import * as entitlements from '../wire/entitlements.js';
import * as plan from '../wire/plan.js';
import * as problem from '../wire/problem.js';
import * as subjects from '../wire/subjects.js';
import { ROUTES, type Route } from './routes.js';

type JsonObject = Record<string, unknown>;

/**
 * Every exported `…Wire` schema becomes a named component (`auditEventWire` → `AuditEvent`),
 * so the document names each contract once and operations refer to it.
 */
const COMPONENTS = new Map<z.core.$ZodType, string>(
  [accessRequests, audit, credentials, entitlements, plan, problem, subjects].flatMap((module) =>
    Object.entries(module).flatMap(
      ([name, value]): Array<[z.core.$ZodType, string]> =>
        name.endsWith('Wire') && value instanceof z.core.$ZodType
          ? [[value, name.charAt(0).toUpperCase() + name.slice(1, -4)]]
          : [],
    ),
  ),
);

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * JSON Schema 2020-12 (OpenAPI 3.1's dialect) without `$schema`. zod spells each date-time
 * out as a long `pattern` beside `format: date-time`; the format alone says it, so the
 * pattern is left out of the document (validators check the format).
 */
function rawSchema(schema: z.core.$ZodType, io: 'input' | 'output'): JsonObject {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  return JSON.parse(JSON.stringify(rest), (_key, value: unknown) => {
    if (isObject(value) && value.format === 'date-time') {
      const { pattern: _p, ...withoutPattern } = value;
      return withoutPattern;
    }
    return value;
  });
}

function jsonSchema(schema: z.core.$ZodType, io: 'input' | 'output'): JsonObject {
  const name = COMPONENTS.get(schema);
  return name ? { $ref: `#/components/schemas/${componentName(name, io)}` } : rawSchema(schema, io);
}

/**
 * A schema used both ways (defaults and coercions make input and output differ) gets an
 * `Input` twin; request contracts are named for what they are already.
 */
function componentName(name: string, io: 'input' | 'output'): string {
  return io === 'output' || /(?:Request|Input)$/.test(name) ? name : `${name}Input`;
}

/** The named components the operations refer to, each in the direction it is used. */
function componentSchemas(paths: JsonObject): JsonObject {
  const text = JSON.stringify(paths);
  const schemas: JsonObject = {};
  for (const [schema, name] of COMPONENTS) {
    for (const io of ['output', 'input'] as const) {
      const named = componentName(name, io);
      if (text.includes(`"#/components/schemas/${named}"`)) schemas[named] = rawSchema(schema, io);
    }
  }
  // Sorted: module namespaces list exports in different orders under different loaders.
  return Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));
}

function parameters(route: Route): JsonObject[] {
  const path = [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  const query = Object.entries(route.query?._zod.def.shape ?? {}).map(([name, schema]) => ({
    name,
    in: 'query',
    required: !z.safeParse(schema, undefined).success,
    schema: jsonSchema(schema, 'input'),
  }));
  return [...path, ...query];
}

function responses(route: Route): JsonObject {
  const answers: JsonObject = {};
  for (const response of route.responses) {
    const content = Object.fromEntries(
      Object.entries(response.content ?? {}).map(([type, schema]) => [
        type,
        // OpenAPI 3.1 has no schema for a sequence of JSON lines (3.2's itemSchema): the body
        // is a string, and each line's schema is given as an extension.
        type === 'application/x-ndjson'
          ? { schema: { type: 'string' }, 'x-item-schema': jsonSchema(schema, 'output') }
          : { schema: jsonSchema(schema, 'output') },
      ]),
    );
    answers[String(response.status)] = {
      description: response.description,
      ...(response.content ? { content } : {}),
    };
  }
  answers.default = {
    description: 'an RFC 9457 problem; a 5xx carries the request id and no internal detail',
    content: { 'application/problem+json': { schema: jsonSchema(problem.problemWire, 'output') } },
  };
  return answers;
}

/** Each way a route authenticates, as OpenAPI security requirements (alternatives). */
const SECURITY_OF: Record<NonNullable<Route['auth']> | 'caller', JsonObject[]> = {
  caller: [{ bearer: [] }, { credvendAws: [] }],
  aws_iam: [{ awsSigV4: [] }],
  'slack-signature': [{ slackSignature: [] }],
  public: [],
};

function operation(route: Route): JsonObject {
  const id = `${route.method.toLowerCase()}${route.path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`;
  const security = SECURITY_OF[route.auth ?? 'caller'];
  const params = parameters(route);
  return {
    operationId: id,
    summary: route.summary,
    'x-credvend-function': route.function,
    security,
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jsonSchema(route.body, 'input') } },
          },
        }
      : {}),
    responses: responses(route),
  };
}

function buildPaths(): Record<string, JsonObject> {
  const paths: Record<string, JsonObject> = {};
  for (const route of ROUTES) {
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation(route) };
  }
  return paths;
}

/** The OpenAPI 3.1 document of the HTTP API, generated from the route table and the wire schemas. */
export function buildOpenApiDocument(): JsonObject {
  const paths = buildPaths();
  return {
    openapi: '3.1.0',
    info: {
      title: 'credvend',
      version: 'v1',
      description: 'Short-lived, audited AWS credentials. Errors are application/problem+json (RFC 9457).',
    },
    components: {
      schemas: componentSchemas(paths),
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'an OIDC token' },
        credvendAws: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: 'CredvendAWS <base64url signed sts:GetCallerIdentity> (see docs/guides/subjects.md)',
        },
        slackSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Slack-Signature',
          description:
            "Slack's v0 HMAC-SHA256 of the timestamp (X-Slack-Request-Timestamp) and body with the app's signing secret",
        },
        awsSigV4: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: 'the HTTP request itself SigV4-signed; verified by API Gateway',
        },
      },
    },
    paths,
  };
}
