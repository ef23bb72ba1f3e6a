import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import * as z from 'zod';

const lambdaNode = readFileSync('.nvmrc', 'utf8').trim();
const lambdaMajor = lambdaNode.split('.')[0];

describe('the Node.js the functions run is the one everything is tested on', () => {
  it('serverless.yml deploys the runtime .nvmrc names, and bundles for it', () => {
    const template = z
      .object({
        provider: z.object({ runtime: z.string() }),
        build: z.object({ esbuild: z.object({ target: z.string() }) }).optional(),
        custom: z.object({ esbuild: z.object({ target: z.string() }) }).optional(),
      })
      .parse(parse(readFileSync('serverless.yml', 'utf8'), { logLevel: 'silent' }));
    expect(template.provider.runtime).toBe(`nodejs${lambdaMajor}.x`);
    expect(template.custom?.esbuild.target ?? template.build?.esbuild.target).toBe(`node${lambdaMajor}`);
  });

  it('this suite runs on that Node (npm test switches to it through src/local/with-node.ts)', () => {
    expect(process.versions.node.split('.')[0]).toBe(lambdaMajor);
  });

  it('"engines" admits the Lambda runtime and states the CLI range CI tests', () => {
    const pkg = z
      .object({ engines: z.object({ node: z.string() }) })
      .parse(JSON.parse(readFileSync('package.json', 'utf8')));
    expect(pkg.engines.node).toBe('^22.12 || ^24');
    const ci = readFileSync('.ci/run', 'utf8');
    expect(ci).toMatch(/with-node\.ts --node 24\.\d+\.\d+ .*test\/e2e\/cli/);
  });
});
