/**
 * Builds a handler exactly as serverless-esbuild builds a function for `serverless package`:
 * serverless.yml's `custom.esbuild` merged over the plugin's defaults, the plugin's own keys
 * removed, `exclude` added to `external`. The bench builds the functions and its reference
 * handler through this one path, so both are bundled the same way and no setting is forked.
 */
import { readFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build } from 'esbuild';
import { parse, type Tags } from 'yaml';

/** serverless-esbuild's keys that are not esbuild's (dist/bundle.js strips the same list). */
const PLUGIN_KEYS = new Set([
  'concurrency',
  'zipConcurrency',
  'exclude',
  'nativeZip',
  'packager',
  'packagePath',
  'watch',
  'keepOutputDirectory',
  'packagerOptions',
  'installExtraArgs',
  'outputFileExtension',
  'outputBuildFolder',
  'outputWorkFolder',
  'nodeExternals',
  'skipBuild',
  'skipRebuild',
  'skipBuildExcludeFns',
  'stripEntryResolveExtensions',
  'disposeContext',
]);

/** The plugin's defaults that reach esbuild (dist/index.js getBuildOptions). */
const PLUGIN_DEFAULTS = { bundle: true, target: 'node18', external: [], platform: 'node' };

/** CloudFormation short forms parse to plain values: only custom.esbuild is read here. */
const intrinsicTags = [
  'Ref',
  'GetAtt',
  'If',
  'Sub',
  'Join',
  'Equals',
  'Not',
  'And',
  'Or',
  'Select',
  'Split',
  'FindInMap',
].flatMap((name) =>
  (['scalar', 'seq'] as const).map((collection) => ({
    tag: `!${name}`,
    ...(collection === 'seq' ? { collection } : {}),
    resolve: (value: unknown) => ({ [name]: value }),
  })),
) as Tags;

export interface LambdaBuild {
  /** What serverless-esbuild hands to esbuild, without entry point and outdir. */
  options: BuildOptions;
  outputExtension: string;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function strings(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
}

/** serverless.yml as plain data (intrinsic functions as `{ Ref: … }`-like objects). */
export async function readServerlessYml(path = 'serverless.yml'): Promise<unknown> {
  return parse(await readFile(path, 'utf8'), { customTags: intrinsicTags });
}

/** serverless.yml's custom.esbuild as serverless-esbuild resolves it. */
export async function lambdaBuildOptions(serverlessYml = 'serverless.yml'): Promise<LambdaBuild> {
  const document = await readServerlessYml(serverlessYml);
  const custom = isRecord(document) && isRecord(document.custom) ? document.custom : {};
  const settings = isRecord(custom.esbuild) ? custom.esbuild : {};
  const merged: Record<string, unknown> = { ...PLUGIN_DEFAULTS, ...settings };
  const esbuildOptions = Object.fromEntries(Object.entries(merged).filter(([key]) => !PLUGIN_KEYS.has(key)));
  const exclude = 'exclude' in settings ? strings(settings.exclude) : ['aws-sdk'];
  const outputExtension =
    typeof settings.outputFileExtension === 'string' ? settings.outputFileExtension : '.js';
  return {
    options: {
      ...esbuildOptions,
      external: [...strings(merged.external), ...(exclude.includes('*') ? [] : exclude)],
      ...(outputExtension === '.js' ? {} : { outExtension: { '.js': outputExtension } }),
    },
    outputExtension,
  };
}

export interface BuiltHandler {
  file: string;
  bytes: number;
  gzipBytes: number;
  /** Bytes in the bundle per input package (node_modules/<name>) or `own code`. */
  byPackage: Map<string, number>;
}

function packageOf(input: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  return match?.[1] ?? 'own code';
}

/** Builds `entry` into `outdir` the way `serverless package` does; returns its size. */
export async function buildHandler(
  entry: string,
  outdir: string,
  lambda: LambdaBuild,
): Promise<BuiltHandler> {
  const result = await build({
    ...lambda.options,
    entryPoints: [entry],
    outdir,
    metafile: true,
    logLevel: 'silent',
  });
  const file = join(outdir, `${basename(entry).replace(/\.[cm]?[jt]s$/, '')}${lambda.outputExtension}`);
  const output = result.metafile.outputs[relative(process.cwd(), file)];
  if (!output) throw new Error(`esbuild wrote no ${file}`);
  const code = await readFile(file);
  const byPackage = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = packageOf(input);
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
  }
  return { file, bytes: code.length, gzipBytes: gzipSync(code).length, byPackage };
}
