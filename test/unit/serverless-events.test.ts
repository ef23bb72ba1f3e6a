import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/http/routes.js';
import { serverlessHttpEvents, serverlessHttpEventsText } from '../../src/http/serverless-events.js';

describe("serverless.yml's HTTP events", () => {
  it('deploy/http-events.json is what the route table generates (run `npm run docs` when this fails)', async () => {
    expect(await readFile('deploy/http-events.json', 'utf8')).toBe(serverlessHttpEventsText());
  });

  it('serverless.yml reads each HTTP function its events from that file, and declares none itself', async () => {
    const yaml = await readFile('serverless.yml', 'utf8');
    for (const name of Object.keys(serverlessHttpEvents()))
      expect(yaml, name).toContain(`    events: \${file(./deploy/http-events.json):${name}}\n`);
    expect(yaml).not.toMatch(/^\s+- httpApi/m);
  });

  it('carries every route once, the IAM authorizer only on /v1/iam/...', () => {
    const events = Object.values(serverlessHttpEvents()).flat();
    expect(events).toHaveLength(ROUTES.length);
    const iam = events.flatMap((e) => (typeof e.httpApi === 'string' ? [] : [e.httpApi.path]));
    expect(iam.sort()).toEqual(
      ROUTES.filter((r) => r.path.startsWith('/v1/iam/'))
        .map((r) => r.path)
        .sort(),
    );
    expect(iam.length).toBe(4);
  });
});
