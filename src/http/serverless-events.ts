import { type FunctionName, ROUTES } from './routes.js';

/** One serverless `httpApi` event: `METHOD path`, or the long form carrying the IAM authorizer. */
type HttpApiEvent =
  | { httpApi: string }
  | { httpApi: { method: string; path: string; authorizer: { type: 'aws_iam' } } };

/**
 * serverless.yml's HTTP events, per function, derived from the route table: the YAML reads
 * them from deploy/http-events.json (`${file(...):<function>}`), so a route is declared once.
 */
export function serverlessHttpEvents(): Record<FunctionName, HttpApiEvent[]> {
  const events: Record<FunctionName, HttpApiEvent[]> = {
    vend: [],
    audit: [],
    admin: [],
    requests: [],
    portal: [],
  };
  for (const route of ROUTES) {
    events[route.function].push(
      route.auth === 'aws_iam'
        ? { httpApi: { method: route.method, path: route.path, authorizer: { type: 'aws_iam' } } }
        : { httpApi: `${route.method} ${route.path}` },
    );
  }
  return events;
}

/** The committed deploy/http-events.json (`npm run docs` writes it; a test fails while it is stale). */
export function serverlessHttpEventsText(): string {
  return `${JSON.stringify(serverlessHttpEvents(), null, 2)}\n`;
}
