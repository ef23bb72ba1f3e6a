import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadAccessDirectory } from '../../src/cli/access/load.js';
import { accessFileSchemaText } from '../../src/local/write-openapi.js';

const EXAMPLE = 'docs/examples/access';
const EXAMPLE_FILES = [`${EXAMPLE}/subjects.yaml`, `${EXAMPLE}/team-payments/access.yaml`];

describe('access files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'credvend-access-files-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('the committed access-files.schema.json is the one the wire schema gives (npm run docs)', async () => {
    expect(await readFile('access-files.schema.json', 'utf8')).toBe(accessFileSchemaText());
  });

  it('the documented example is valid by the published JSON Schema (ajv) and loads with no problem', async () => {
    // Prepare
    const ajv = new Ajv2020.default({ strict: false });
    addFormats.default(ajv);
    const validate = ajv.compile(JSON.parse(accessFileSchemaText()));

    // Act
    const verdicts = await Promise.all(
      EXAMPLE_FILES.map(async (file) => validate(parse(await readFile(file, 'utf8'))) || validate.errors),
    );
    const { loaded, problems } = await loadAccessDirectory(EXAMPLE);

    // Assess
    expect(verdicts).toEqual([true, true]);
    expect(problems).toEqual([]);
    expect(loaded?.desired.owns).toEqual(['payments.*']);
    expect(loaded?.desired.entitlements.map((e) => [e.id, e.subject])).toEqual([
      ['payments.deploy', 'claims|https://token.actions.githubusercontent.com'],
      ['payments.read', 'group|https://idp.example.com|platform'],
      ['payments.no-admin-for-alice', 'oidc|https://idp.example.com|alice'],
    ]);
    expect(loaded?.desired.requestables.map((r) => r.id)).toEqual(['payments.admin']);
  });

  it('gives one problem per mistake, each with its file and line, across files', async () => {
    // Prepare
    const root = join(dir, 'bad');
    await mkdir(join(root, 'nested'), { recursive: true });
    await mkdir(join(root, '.git'));
    await writeFile(join(root, '.git', 'ignored.yaml'), 'not: [valid');
    await writeFile(
      join(root, 'a.yaml'),
      'subjects:\n  s: { group: { issuer: "https://i.example", name: g } }\n',
    );
    await writeFile(
      join(root, 'nested', 'b.json'),
      JSON.stringify(
        {
          subjects: { s: { group: { issuer: 'https://i.example', name: 'h' } } },
          entitlements: {
            'grant-x': { subject: 's', accountId: '1', roleArn: 'x', maxDurationSeconds: 900 },
            e1: {
              subject: 's',
              accountId: '222222222222',
              roleArn: 'arn:aws:iam::222222222222:role/r',
              maxDurationSeconds: 5,
              tags: { 'credvend-caller': 'x' },
            },
          },
          owns: ['a*b'],
        },
        null,
        2,
      ),
    );

    // Act
    const { loaded, problems } = await loadAccessDirectory(root);

    // Assess
    expect(loaded).toBeUndefined();
    expect(problems.map((p) => `${p.file.slice(root.length + 1)}:${p.line}`)).toEqual([
      'nested/b.json:28',
      'nested/b.json:3',
      'nested/b.json:11',
      'nested/b.json:21',
      'nested/b.json:23',
    ]);
    expect(problems.map((p) => p.message)).toEqual([
      'owns.0: an id, or a prefix ending in *',
      expect.stringMatching(/^subject s is also described at .*a\.yaml:2$/),
      'grant-x: grant-… ids belong to just-in-time grants',
      expect.stringContaining('maxDurationSeconds'),
      expect.stringContaining('credvend-caller'),
    ]);
  });
});
