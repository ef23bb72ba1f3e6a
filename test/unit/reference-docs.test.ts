import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CONFIGURATION_ROWS } from '../../src/local/reference/configuration-rows.js';
import { REFERENCE_DOCS } from '../../src/local/reference/write.js';

describe('docs/reference', () => {
  for (const [name, render] of Object.entries(REFERENCE_DOCS)) {
    it(`${name} is what its source of truth generates (run \`npm run docs\` when this fails)`, async () => {
      expect(await readFile(`docs/reference/${name}`, 'utf8')).toBe(render());
    });
  }

  it('names every route of openapi.json, every configuration variable and every CLI command', async () => {
    const openapi: unknown = JSON.parse(await readFile('openapi.json', 'utf8'));
    const paths = typeof openapi === 'object' && openapi !== null && 'paths' in openapi ? openapi.paths : {};
    const http = REFERENCE_DOCS['http-api.md']();
    expect(Object.keys(paths ?? {}).length).toBeGreaterThan(20);
    for (const path of Object.keys(paths ?? {})) expect(http, path).toContain(`| \`${path}\` |`);
    const configuration = REFERENCE_DOCS['configuration.md']();
    for (const variable of CONFIGURATION_ROWS.flatMap((row) => row.variables))
      expect(configuration, variable).toContain(`\`${variable}\``);
    expect(configuration).toContain('`CREDVEND_OIDC_ISSUER`');
    const cli = REFERENCE_DOCS['cli.md']();
    for (const command of [
      'credvend creds',
      'credvend audit verify',
      'credvend aws-config',
      'credvend login',
    ])
      expect(cli, command).toContain(`## ${command}\n`);
  });
});
