/**
 * What the two hot starts of the bundled CLI load: `credvend --version` and a cached
 * `creds` answer (credential_process runs before AWS calls, many times an hour). Both must
 * stay close to bare Node start (issue 26: ≤ 1.3× `node -e 0`, measured by `npm run bench`),
 * which they cannot once a dependency (zod, commander, the SDK) or the program's ES module
 * chunks are pulled into the entry. Read from the metafiles of the builds `npm run build:cli` makes.
 */
import { join, relative } from 'node:path';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliEntryBuild, cliProgramBuild } from '../../src/cli/bundle.js';

const outdir = join(process.cwd(), 'bin');
const metafileOf = async (options: BuildOptions): Promise<Metafile> => {
  const { metafile } = await build({ ...options, write: false, metafile: true });
  if (!metafile) throw new Error('esbuild wrote no metafile');
  return metafile;
};

let entry: Metafile;
let program: Metafile;
beforeAll(async () => {
  [entry, program] = await Promise.all([
    metafileOf(cliEntryBuild(outdir)),
    metafileOf(cliProgramBuild(outdir)),
  ]);
}, 60_000);

const entryOutput = () => {
  const output = entry.outputs[relative(process.cwd(), join(outdir, 'credvend.js'))];
  if (!output) throw new Error(`no bin/credvend.js among ${Object.keys(entry.outputs).join(', ')}`);
  return output;
};

describe('the CLI bundle', () => {
  it('is one CommonJS entry holding the version and the cache-hit path', () => {
    expect(Object.keys(entry.outputs)).toEqual(['bin/credvend.js']);
    const inputs = Object.keys(entryOutput().inputs);
    expect(inputs).toEqual(
      expect.arrayContaining(['src/cli/main.ts', 'src/cli/fast-path.ts', 'src/cli/disk-cache.ts']),
    );
  });

  it('loads no dependency and no schema at start: only credvend’s own small files and Node built-ins', () => {
    const foreign = Object.keys(entryOutput().inputs).filter(
      (s) =>
        s !== 'package.json' &&
        !s.startsWith('src/cli/') &&
        s !== 'src/wire/credential-formats.ts' &&
        s !== 'src/wire/credential-format-names.ts',
    );
    expect(foreign).toEqual([]);
    expect(Object.keys(entryOutput().inputs)).not.toContain('src/cli/program.ts');
    expect(entryOutput().bytes).toBeLessThan(32 * 1024);
  });

  it('leaves the program to the split build, imported only when the entry cannot answer', () => {
    const imported = entryOutput().imports.filter((i) => !i.path.startsWith('node:'));
    expect(imported).toEqual([{ path: './chunks/full.mjs', kind: 'dynamic-import', external: true }]);
    expect(Object.keys(program.outputs)).toContain('bin/chunks/full.mjs');
    expect(program.outputs['bin/chunks/full.mjs']?.entryPoint).toBe('src/cli/full.ts');
  });
});
