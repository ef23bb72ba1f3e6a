import { readFile } from 'node:fs/promises';
import { parse, type Tags } from 'yaml';

/** CloudFormation's short-form intrinsics as their long-form objects, so a template can be resolved. */
const cloudFormationTags: Tags = [
  'Ref',
  'GetAtt',
  'If',
  'Not',
  'Equals',
  'And',
  'Or',
  'Sub',
  'Join',
  'Select',
  'Split',
  'Condition',
].flatMap((name) => {
  const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
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

/** A CloudFormation template written in YAML (deploy/*.yaml, serverless.yml), short forms expanded. */
export async function readCloudFormationYaml(path: string): Promise<unknown> {
  return parse(await readFile(path, 'utf8'), { customTags: cloudFormationTags });
}
