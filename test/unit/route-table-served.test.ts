import { describe, expect, it } from 'vitest';
import { createFunctions, type Functions } from '../../src/compose/functions.js';
import type { Runtime } from '../../src/compose/runtime.js';
import { loadConfig } from '../../src/config.js';
import { honoPath, ROUTES } from '../../src/http/routes.js';

// The route table is what API Gateway (serverless.yml's events), openapi.json and the local
// server route by; a handler an app registers off the table is unreachable once deployed, and
// a table route no app handles answers 404 behind a deployed route. Building the apps makes no
// AWS call, so this needs no stack.
const offline: Runtime = {
  kind: 'node',
  sourceIp: () => '127.0.0.1',
  credentials: { accessKeyId: 'AKIAROUTETABLETEST00', secretAccessKey: 'unused' },
};

function servedBy(app: Functions[keyof Functions]): string[] {
  // Middleware registers as ALL; every route of the table has a concrete method.
  const routes = app.routes.filter((route) => route.method !== 'ALL');
  return [...new Set(routes.map((route) => `${route.method} ${route.path}`))].sort();
}

function tableRoutesOf(name: keyof Functions): string[] {
  return ROUTES.filter((route) => route.function === name)
    .map((route) => `${route.method} ${honoPath(route.path)}`)
    .sort();
}

describe('the route table and the apps', () => {
  const functions = createFunctions(loadConfig({ AWS_REGION: 'us-east-1' }), offline);
  const names = Object.keys(functions).filter((name): name is keyof Functions => name in functions);

  it.each(names)('the %s app handles exactly its routes of the table', (name) => {
    expect(servedBy(functions[name])).toEqual(tableRoutesOf(name));
  });

  it('names every function of the table, so no route is left to a missing app', () => {
    const tableFunctions = new Set(ROUTES.map((route) => route.function));
    expect([...tableFunctions].sort()).toEqual([...names].sort());
  });
});
