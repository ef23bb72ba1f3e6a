import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { readCloudFormationYaml } from '../../src/local/cloudformation/yaml.js';
import { controlTowerFailures, type GuardFailure } from './cfn-guard.js';
import { type HookTemplate, hookDocuments, writeHookDocuments } from './hook-mode.js';

interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: { guard?: { SuppressedRules?: string[]; SuppressionReasons?: Record<string, string> } };
}
interface Template extends HookTemplate {
  Resources: Record<string, Resource>;
}

const packaged = inject('packaged');
const templateIn = (dir: string) => join(dir, 'cloudformation-template-update-stack.json');
const TARGET_TEMPLATES = [
  'deploy/target-account-role.yaml',
  'deploy/target-account-stackset.yaml',
  'deploy/log-archive.yaml',
];
const EXCEPTIONS_DOC = 'docs/operations/control-exceptions.md';

/**
 * The controls credvend cannot meet by design (docs/operations/control-exceptions.md). A new
 * entry here is a decision a reviewer sees, not a line in serverless.yml that silences a rule.
 */
const DESIGN_EXCEPTIONS = new Set([
  'lambda_inside_vpc_check',
  'api_gw_v2_authorization_type_configured_check',
  's3_bucket_default_encryption_kms_check',
]);

async function readTemplate(path: string): Promise<Template> {
  if (path.endsWith('.json')) return JSON.parse(await readFile(path, 'utf8')) as Template;
  return (await readCloudFormationYaml(path)) as Template;
}

/** Each template is judged once per file: cfn-guard takes seconds. */
const judged = new Map<string, Promise<GuardFailure[]>>();
/**
 * The template as Control Tower's hooks judge it: per resource, values resolved, Metadata unread;
 * with `only`, just those resources (cfn-guard's time grows with the documents it judges).
 */
function hookFailures(path: string, template: Template, only?: ReadonlySet<string>): Promise<GuardFailure[]> {
  let result = judged.get(path);
  if (!result) {
    result = (async () => {
      const dir = await mkdtemp(join(tmpdir(), 'credvend-hook-'));
      try {
        const documents = [...hookDocuments(template)].filter(([id]) => !only || only.has(id));
        await writeHookDocuments(dir, new Map(documents));
        return (await controlTowerFailures(dir)).failures;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    })();
    judged.set(path, result);
  }
  return result;
}

/**
 * The exceptions the template documents, from the Metadata.guard entries the plugin writes,
 * on the resources the stack creates (a resource whose condition is false is not judged).
 */
function exceptionsOf(template: Template): Array<{ resource: string; rule: string; reason: string }> {
  const created = hookDocuments(template);
  return Object.entries(template.Resources).flatMap(([resource, r]) =>
    !created.has(resource)
      ? []
      : (r.Metadata?.guard?.SuppressedRules ?? []).map((rule) => ({
          resource,
          rule,
          reason: r.Metadata?.guard?.SuppressionReasons?.[rule] ?? '',
        })),
  );
}

const TEMPLATES = [
  ['the packaged template (defaults)', () => templateIn(packaged.defaults)],
  ['the packaged template (every option on)', () => templateIn(packaged.allFeatures)],
  ...TARGET_TEMPLATES.map((path) => [path, () => path] as const),
] as const;

describe('AWS Control Tower proactive controls, evaluated as their hooks evaluate them', () => {
  it.each(TEMPLATES)('%s fails only the controls named as design exceptions', async (_, pathOf) => {
    const path = pathOf();
    const template = await readTemplate(path);
    const excepted = new Set(exceptionsOf(template).map((e) => `${e.rule} ${e.resource}`));
    const unexcepted = (await hookFailures(path, template)).filter(
      (f) => !(DESIGN_EXCEPTIONS.has(f.rule) && excepted.has(`${f.rule} ${f.resource}`)),
    );
    expect(unexcepted).toEqual([]);
  });

  it('names an exception only where the control fails, each with the reason the docs give', async () => {
    const doc = await readFile(EXCEPTIONS_DOC, 'utf8');
    for (const dir of [packaged.defaults, packaged.allFeatures]) {
      const template = await readTemplate(templateIn(dir));
      const failing = new Set(
        (await hookFailures(templateIn(dir), template)).map((f) => `${f.rule} ${f.resource}`),
      );
      const exceptions = exceptionsOf(template);
      expect(new Set(exceptions.map((e) => e.rule))).toEqual(DESIGN_EXCEPTIONS);
      for (const { resource, rule, reason } of exceptions) {
        expect(failing, `${resource} names an exception to ${rule}, which it meets`).toContain(
          `${rule} ${resource}`,
        );
        expect(reason, `${resource} ${rule}`).toMatch(/^[^\n]{20,300}$/);
        expect(doc, `${EXCEPTIONS_DOC}: reason for ${rule}`).toContain(reason);
      }
    }
  });

  it('judges resolved values: a log group without its key, and a bucket left without logs, fail', async () => {
    const template = await readTemplate(templateIn(packaged.defaults));
    const [groupId, group] =
      Object.entries(template.Resources).find(([, r]) => r.Type === 'AWS::Logs::LogGroup') ?? [];
    expect(group?.Properties?.KmsKeyId).toBeDefined();
    delete group?.Properties?.KmsKeyId;
    // The access-log destination only through an If that resolves to no value.
    const digest = template.Resources.DigestBucket?.Properties as Record<string, unknown>;
    digest.LoggingConfiguration = { 'Fn::If': ['CreatesAlarmTopic', { Ref: 'AWS::NoValue' }, {}] };
    // Only the two changed resources are judged: the whole template's verdicts are the tests above.
    const rules = (
      await hookFailures('broken-defaults', template, new Set([String(groupId), 'DigestBucket']))
    ).map((f) => `${f.rule} ${f.resource}`);
    expect(rules).toContain('s3_bucket_logging_enabled_check DigestBucket');
    expect(rules).toContain(`cloudwatch_log_group_encrypted_check ${groupId}`);
  });
});
