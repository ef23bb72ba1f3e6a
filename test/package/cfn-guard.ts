import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The Control Tower rule set and the cfn-guard binary, both shipped in one npm package. */
const packageDir = dirname(
  createRequire(import.meta.url).resolve('@cdklabs/cdk-validator-cfnguard/package.json'),
);
export const CONTROL_TOWER_RULES = join(packageDir, 'rules', 'control-tower', 'cfn-guard');

function guardBinary(): string {
  const os = process.platform === 'darwin' ? 'macos' : 'ubuntu';
  const arch = process.arch === 'arm64' ? 'aarch64' : 'x86_64';
  return join(packageDir, 'bin', os, arch, 'cfn-guard');
}

/** One rule a template breaks, and the resource it names (`''` when the rule names none). */
export interface GuardFailure {
  rule: string;
  resource: string;
}

interface GuardReport {
  /** The data file judged. */
  name: string;
  status: string;
  compliant: string[];
  not_compliant: Array<{ Rule: { name: string } }>;
}

/** Every `/Resources/<id>/...` path under a failed rule's report. */
function resourcesNamed(node: unknown, found: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) resourcesNamed(item, found);
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'path' && typeof value === 'string' && value.startsWith('/Resources/')) {
        found.add(value.split('/')[2] ?? '');
      } else {
        resourcesNamed(value, found);
      }
    }
  }
}

/**
 * Runs `cfn-guard validate` with the Control Tower rules on one template (JSON or YAML), or
 * on a directory of hook inputs, one file per resource named `<logical id>.json`
 * (test/package/hook-mode.ts): a failure there names the file's resource.
 */
export async function controlTowerFailures(
  template: string,
): Promise<{ failures: GuardFailure[]; passed: string[] }> {
  const args = [
    'validate',
    '--rules',
    CONTROL_TOWER_RULES,
    '--data',
    template,
    '-z',
    '-S',
    'none',
    '-o',
    'json',
  ];
  // Exit code 19 means "some rule failed"; the report is on stdout either way.
  const stdout = await run(guardBinary(), args, { maxBuffer: 64 * 1024 * 1024 }).then(
    (r) => r.stdout,
    (error: { code?: number; stdout?: string; stderr?: string }) => {
      if (error.code === 19 && error.stdout) return error.stdout;
      throw new Error(`cfn-guard failed on ${template}: ${error.stderr ?? String(error)}`);
    },
  );
  const reports = JSON.parse(stdout) as GuardReport[];
  const failures: GuardFailure[] = [];
  const passed: string[] = [];
  for (const report of reports) {
    passed.push(...report.compliant);
    for (const failed of report.not_compliant) {
      const found = new Set<string>();
      resourcesNamed(failed, found);
      if (found.size === 0 && report.name.endsWith('.json') && report.name !== template)
        found.add(basename(report.name, '.json'));
      if (found.size === 0) failures.push({ rule: failed.Rule.name, resource: '' });
      for (const resource of found) failures.push({ rule: failed.Rule.name, resource });
    }
  }
  return { failures, passed };
}
