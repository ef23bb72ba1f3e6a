import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudFormationTemplate } from './resolve.js';
import { serverlessPackage } from './serverless-package.js';

const PROJECT_ROOT = join(import.meta.dirname, '..', '..', '..');
const CACHE_DIR = join(PROJECT_ROOT, 'node_modules', '.cache', 'credvend');

/** Every input the compiled template depends on: serverless.yml, deploy/ (plugin, events), the lockfile. */
async function templateInputs(): Promise<string[]> {
  const deploy = (await readdir(join(PROJECT_ROOT, 'deploy'), { recursive: true }))
    .map((file) => join('deploy', file))
    .sort();
  return ['serverless.yml', 'package-lock.json', ...deploy];
}

async function contentHash(stage: string, params: Record<string, string>): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify({ stage, params }));
  for (const file of await templateInputs()) {
    const content = await readFile(join(PROJECT_ROOT, file)).catch(() => undefined);
    if (content === undefined) continue; // a folder
    hash.update(file).update('\0').update(content).update('\0');
  }
  return hash.digest('hex').slice(0, 32);
}

/** Templates kept: one per recent content of the inputs (a branch switch back finds its own). */
const TEMPLATES_KEPT = 4;

/** Each change to serverless.yml or deploy/ adds a template; all but the newest few go. */
async function pruneOlderTemplates(): Promise<void> {
  const names = (await readdir(CACHE_DIR)).filter((name) => /^template-[0-9a-f]{32}\.json$/.test(name));
  const dated = await Promise.all(
    names.map(async (name) => ({ name, mtime: (await stat(join(CACHE_DIR, name))).mtimeMs })),
  );
  const stale = dated.sort((a, b) => b.mtime - a.mtime).slice(TEMPLATES_KEPT);
  await Promise.all(stale.map(({ name }) => rm(join(CACHE_DIR, name), { force: true })));
}

/**
 * The CloudFormation template `serverless package` compiles for `stage` and `params`, packaged
 * once per content of its inputs and kept in node_modules/.cache/credvend. Packaging (about
 * 25 s: esbuild bundles every function) is the only way to get the template serverless
 * deploys: `serverless print` shows the configuration before the plugins have compiled and
 * hardened it (deploy/serverless-credvend.js adds the organization boundary to the roles).
 */
export async function packagedTemplate(
  stage: string,
  params: Record<string, string>,
): Promise<CloudFormationTemplate> {
  const file = join(CACHE_DIR, `template-${await contentHash(stage, params)}.json`);
  const cached = await readFile(file, 'utf8').catch(() => undefined);
  if (cached !== undefined) return JSON.parse(cached) as CloudFormationTemplate;
  const dir = await mkdtemp(join(tmpdir(), 'credvend-template-'));
  try {
    await serverlessPackage(dir, params, stage, {}, { shareBundles: true });
    const text = await readFile(join(dir, 'cloudformation-template-update-stack.json'), 'utf8');
    await mkdir(CACHE_DIR, { recursive: true });
    // Written whole, then renamed: a concurrent reader sees the old state or the new file, never half.
    const partial = `${file}.${process.pid}`;
    await writeFile(partial, text);
    await rename(partial, file);
    await pruneOlderTemplates();
    return JSON.parse(text) as CloudFormationTemplate;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
