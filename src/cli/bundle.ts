/**
 * Builds `bin/credvend.js`: the CLI as one esbuild bundle (plus lazily loaded chunks) that
 * plain Node runs with no TypeScript compilation at start. Run by `npm ci` (prepare), by
 * the test setup, and by hand with `npm run build:cli`.
 */
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function bundleCli(): Promise<string> {
  const outdir = join(root, 'bin');
  await rm(join(outdir, 'chunks'), { recursive: true, force: true });
  await build({
    entryPoints: { credvend: join(root, 'src/cli/main.ts') },
    outdir,
    bundle: true,
    // ESM with splitting: what most commands never need (the AWS SDK signer, the OAuth
    // client) sits in chunks loaded on first use, so `credvend --version` parses little.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    chunkNames: 'chunks/[name]-[hash]',
    // Less to read and parse at every start; identifiers too (stack traces name chunks anyway).
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    // CommonJS dependencies call require() for Node built-ins; ESM output has no require.
    banner: {
      js: "import { createRequire as __credvendRequire } from 'node:module'; const require = __credvendRequire(import.meta.url);",
    },
  });
  return join(outdir, 'credvend.js');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await bundleCli();
}
