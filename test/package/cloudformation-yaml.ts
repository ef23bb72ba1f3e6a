import { readFile } from 'node:fs/promises';
import { parse, type Tags } from 'yaml';

/** CloudFormation's short-form intrinsics as their long-form objects, so a template can be inspected. */
const cloudFormationTags: Tags = ['Ref', 'GetAtt', 'If', 'Not', 'Equals', 'Sub', 'Join'].flatMap((name) => {
  const key = name === 'Ref' ? 'Ref' : `Fn::${name}`;
  return (['scalar', 'seq'] as const).map((collection) => ({
    tag: `!${name}`,
    collection: collection === 'seq' ? ('seq' as const) : undefined,
    resolve: (value: unknown) => ({
      [key]:
        value && typeof value === 'object' && 'toJSON' in value && typeof value.toJSON === 'function'
          ? value.toJSON()
          : value,
    }),
  }));
}) as unknown as Tags;

export async function readCloudFormationYaml(path: string): Promise<unknown> {
  return parse(await readFile(path, 'utf8'), { customTags: cloudFormationTags });
}

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: unknown;
}

/** Every statement of every policy document anywhere under `node` (roles, inline policies, bucket policies). */
export function policyStatements(node: unknown): PolicyStatement[] {
  if (Array.isArray(node)) return node.flatMap(policyStatements);
  if (!node || typeof node !== 'object') return [];
  const found: PolicyStatement[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (
      (key === 'PolicyDocument' || key === 'AssumeRolePolicyDocument') &&
      value &&
      typeof value === 'object'
    ) {
      found.push(...[(value as { Statement: PolicyStatement | PolicyStatement[] }).Statement].flat());
    } else {
      found.push(...policyStatements(value));
    }
  }
  return found;
}

export const actionsOf = (statement: PolicyStatement): string[] => [statement.Action ?? []].flat();
