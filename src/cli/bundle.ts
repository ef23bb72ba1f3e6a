/**
 * Builds `bin/credvend.js`: the CLI as esbuild bundles that plain Node runs with no
 * TypeScript compilation at start. Run by `npm ci` (prepare), by the test setup, and by
 * hand with `npm run build:cli`.
 *
 * Two builds. The entry (main.ts with the version and the cache-hit path, Node built-ins
 * only) is one small CommonJS file: Node starts CommonJS for less than an ES module, and
 * these two answers have a budget of 1.3× bare Node (`npm run bench`). Everything else
 * (full.ts) is ES modules split into chunks (`bin/chunks/*.mjs`), loaded on first use.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build, type Plugin } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where the entry finds the program: the program build's entry, relative to bin/. */
const PROGRAM_FILE = './chunks/full.mjs';

/** The entry's `import('./full.js')` left for Node to load at run time, from the program build. */
const programOutside: Plugin = {
  name: 'program-outside-entry',
  setup(b) {
    b.onResolve({ filter: /^\.\/full\.js$/ }, () => ({ path: PROGRAM_FILE, external: true }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  // Less to read and parse at every start; identifiers too (stack traces name chunks anyway).
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
} as const satisfies BuildOptions;

/** The entry: `bin/credvend.js`, CommonJS (bin/package.json says so), nothing split off. */
export function cliEntryBuild(outdir: string): BuildOptions {
  return {
    ...common,
    entryPoints: { credvend: join(root, 'src/cli/main.ts') },
    outdir,
    format: 'cjs',
    plugins: [programOutside],
  };
}

/** The program: ES modules, split so what most commands never need (the SDK signer, the OAuth client) loads on first use. */
export function cliProgramBuild(outdir: string): BuildOptions {
  return {
    ...common,
    entryPoints: { 'chunks/full': join(root, 'src/cli/full.ts') },
    outdir,
    splitting: true,
    format: 'esm',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    // A native addon: loaded from node_modules at run time, and only by the keychain store.
    external: ['@napi-rs/keyring'],
    // CommonJS dependencies call require() for Node built-ins; ESM output has no require.
    banner: {
      js: "import { createRequire as __credvendRequire } from 'node:module'; const require = __credvendRequire(import.meta.url);",
    },
  };
}

export async function bundleCli(): Promise<string> {
  const outdir = join(root, 'bin');
  await rm(join(outdir, 'chunks'), { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  // The package is "type": "module"; this folder's .js files (the entry) are CommonJS.
  await writeFile(join(outdir, 'package.json'), '{ "type": "commonjs" }\n');
  await Promise.all([build(cliEntryBuild(outdir)), build(cliProgramBuild(outdir))]);
  return join(outdir, 'credvend.js');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await bundleCli();
}
