import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { controlTowerFailures, type GuardFailure } from './cfn-guard.js';
import { readCloudFormationYaml } from './cloudformation-yaml.js';
import { deployDocs } from './deploy-docs.js';

interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: { guard?: { SuppressedRules?: string[]; SuppressionReasons?: Record<string, string> } };
}
interface Template {
  Resources: Record<string, Resource>;
}

const packaged = inject('packaged');
const templateIn = (dir: string) => join(dir, 'cloudformation-template-update-stack.json');
const TARGET_TEMPLATES = ['deploy/target-account-role.yaml', 'deploy/target-account-stackset.yaml'];

async function readTemplate(path: string): Promise<Template> {
  if (path.endsWith('.json')) return JSON.parse(await readFile(path, 'utf8')) as Template;
  return (await readCloudFormationYaml(path)) as Template;
}

/** A failure stands unless its resource's Metadata.guard suppresses that rule with a reason. */
function isSuppressed(template: Template, { rule, resource }: GuardFailure): boolean {
  const guard = template.Resources[resource]?.Metadata?.guard;
  const reason = guard?.SuppressionReasons?.[rule] ?? '';
  return (guard?.SuppressedRules ?? []).includes(rule) && reason.trim().length > 0;
}

/** cfn-guard takes seconds per template: each is judged once per file. */
const judged = new Map<string, ReturnType<typeof controlTowerFailures>>();
function judge(path: string): ReturnType<typeof controlTowerFailures> {
  let result = judged.get(path);
  if (!result) {
    result = controlTowerFailures(path);
    judged.set(path, result);
  }
  return result;
}

async function unsuppressed(path: string): Promise<GuardFailure[]> {
  const template = await readTemplate(path);
  const { failures } = await judge(path);
  return failures.filter((failure) => !isSuppressed(template, failure));
}

function suppressionsOf(template: Template): Array<{ resource: string; rule: string; reason: string }> {
  return Object.entries(template.Resources).flatMap(([resource, r]) =>
    (r.Metadata?.guard?.SuppressedRules ?? []).map((rule) => ({
      resource,
      rule,
      reason: r.Metadata?.guard?.SuppressionReasons?.[rule] ?? '',
    })),
  );
}

describe('AWS Control Tower proactive controls (cfn-guard)', () => {
  it.each([
    ['the packaged template (defaults)', templateIn(packaged.defaults)],
    ['the packaged template (every option on)', templateIn(packaged.allFeatures)],
    ...TARGET_TEMPLATES.map((path) => [path, path]),
  ])('%s breaks no rule that is not suppressed with a reason', async (_, path) => {
    expect(await unsuppressed(path)).toEqual([]);
  });

  it('suppresses only rules that fail, each with one line the deploy docs repeat', async () => {
    const readme = await deployDocs();
    for (const dir of [packaged.defaults, packaged.allFeatures]) {
      const template = await readTemplate(templateIn(dir));
      const { failures } = await judge(templateIn(dir));
      const failing = new Set(failures.map((f) => `${f.rule} ${f.resource}`));
      const suppressions = suppressionsOf(template);
      expect(suppressions.length).toBeGreaterThan(0);
      for (const { resource, rule, reason } of suppressions) {
        expect(failing, `${resource} suppresses ${rule}, which it does not break`).toContain(
          `${rule} ${resource}`,
        );
        expect(reason, `${resource} ${rule}`).toMatch(/^[^\n]{20,300}$/);
        expect(readme, `docs/operations/deploy.md: reason for ${rule}`).toContain(reason);
      }
    }
  });

  it('reports a rule the template would break without its fix (a log group without KMS)', async () => {
    const template = await readTemplate(templateIn(packaged.defaults));
    const group = Object.values(template.Resources).find((r) => r.Type === 'AWS::Logs::LogGroup');
    expect(group?.Properties?.KmsKeyId).toBeDefined();
    delete group?.Properties?.KmsKeyId;
    const broken = join(packaged.defaults, 'broken-template.json');
    await writeFile(broken, JSON.stringify(template));
    expect((await unsuppressed(broken)).map((f) => f.rule)).toContain('cloudwatch_log_group_encrypted_check');
  });
});
