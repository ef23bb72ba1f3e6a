import { readFile } from 'node:fs/promises';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/http/routes.js';
import { openApiText } from '../../src/local/write-openapi.js';

const committedPath = new URL('../../openapi.json', import.meta.url);

describe('openapi.json', () => {
  it('is what the route table and the wire schemas generate (run `npm run openapi` when this fails)', async () => {
    expect(await readFile(committedPath, 'utf8')).toBe(openApiText());
  });

  it('is a valid OpenAPI 3.1 document by an independent validator (the specification JSON schema)', async () => {
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(openApiText()));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('the validator refuses a broken document, so the check above can fail', async () => {
    const broken = JSON.parse(openApiText());
    broken.paths['/healthz'].get.responses = 'none';
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it('has one operation per route of the table, and nothing else', () => {
    const document = JSON.parse(openApiText());
    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item as object).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('states how each route really authenticates: Slack by its signature, the portal page and health by nothing', () => {
    const document = JSON.parse(openApiText());
    const securityOf = (method: string, path: string) => document.paths[path][method].security;
    expect(securityOf('post', '/v1/slack/interactions')).toEqual([{ slackSignature: [] }]);
    for (const path of ['/', '/assets/{name}', '/healthz', '/openapi.json'])
      expect(securityOf('get', path)).toEqual([]);
    expect(securityOf('post', '/v1/iam/credentials')).toEqual([{ awsSigV4: [] }]);
    expect(securityOf('post', '/v1/credentials')).toEqual([{ bearer: [] }, { credvendAws: [] }]);
    // Every other route takes a caller's token or signed identity.
    for (const route of ROUTES.filter((r) => r.auth === undefined)) {
      expect(securityOf(route.method.toLowerCase(), route.path), route.path).toEqual([
        { bearer: [] },
        { credvendAws: [] },
      ]);
    }
  });
});
