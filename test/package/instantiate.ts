import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inject } from 'vitest';

/**
 * The IAM simulator sees one account: package tests instantiate the packaged template in it,
 * as CloudFormation would deploy it with the given conditions.
 */
export const ACCOUNT = '222222222222';

export interface PackagedTemplate {
  Conditions: Record<string, unknown>;
  Resources: Record<string, { Type: string; Condition?: string; Properties: Record<string, unknown> }>;
}

export interface Instantiation {
  /** The value of each condition a Fn::If names; an unlisted one is an error, never a guess. */
  conditions: Record<string, boolean>;
  /** Values of `Ref`s (otherwise `ref-<name>`). */
  refs?: Record<string, string>;
  /** Values of `Fn::GetAtt`s, as `Resource.Attribute` (otherwise an ARN naming them). */
  attributes?: Record<string, string>;
}

export function instantiate(node: unknown, how: Instantiation): unknown {
  if (Array.isArray(node)) return node.map((n) => instantiate(n, how)).filter((n) => n !== undefined);
  if (!node || typeof node !== 'object') return node;
  const entries = Object.entries(node);
  const [key, value] = entries[0] ?? [];
  if (entries.length === 1 && key === 'Ref')
    return value === 'AWS::NoValue' ? undefined : (how.refs?.[String(value)] ?? `ref-${value}`);
  if (entries.length === 1 && key === 'Fn::GetAtt')
    return how.attributes?.[(value as string[]).join('.')] ?? `arn:aws:x:us-east-1:${ACCOUNT}:${value}`;
  if (entries.length === 1 && key === 'Fn::Sub')
    return String(value).replace(
      /\$\{([\w:.]+)\}/g,
      (_, name: string) =>
        ({ 'AWS::Partition': 'aws', 'AWS::Region': 'us-east-1', 'AWS::AccountId': ACCOUNT })[name] ?? name,
    );
  if (entries.length === 1 && key === 'Fn::If') {
    const [condition, then, otherwise] = value as [string, unknown, unknown];
    const holds = how.conditions[condition];
    if (holds === undefined) throw new Error(`condition ${condition}`);
    return instantiate(holds ? then : otherwise, how);
  }
  return Object.fromEntries(
    entries.map(([k, v]) => [k, instantiate(v, how)]).filter(([, v]) => v !== undefined),
  );
}

export async function packagedTemplate(which: 'defaults' | 'allFeatures'): Promise<PackagedTemplate> {
  const dir = inject('packaged')[which];
  return JSON.parse(
    await readFile(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as PackagedTemplate;
}
