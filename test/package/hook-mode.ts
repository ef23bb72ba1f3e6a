import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type CloudFormationTemplate, deploy } from '../../src/local/cloudformation/resolve.js';

/**
 * A template as AWS Control Tower's proactive controls see it: they run as CloudFormation
 * hooks, one resource at a time, on the properties CloudFormation has resolved (parameters,
 * conditions, Ref, GetAtt, Sub, Join, If: src/local/cloudformation/resolve.ts). A hook never reads Metadata, so no
 * `Metadata.guard` suppression reaches it. This module turns a template into those
 * per-resource documents for cfn-guard.
 */

export type HookTemplate = CloudFormationTemplate;

/** What a Control Tower hook hands the guard rules: the resource type and its resolved properties. */
export type HookInput = Record<string, { resourceProperties: unknown }>;

/**
 * One document per resource the stack would create with `parameters`, properties resolved
 * and Metadata dropped, as the hooks receive them.
 */
export function hookDocuments(
  template: HookTemplate,
  parameters: Record<string, unknown> = {},
): Map<string, HookInput> {
  const stack = deploy(template, {
    accountId: '123456789012',
    region: 'us-east-1',
    stackName: 'credvend-test',
    parameters,
  });
  const documents = new Map<string, HookInput>();
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (!stack.creates(id)) continue;
    const properties = stack.resolve(resource.Properties ?? {});
    documents.set(id, { [resource.Type]: { resourceProperties: properties } });
  }
  return documents;
}

/** Writes the documents, one JSON file per resource, into `dir` (for `cfn-guard --data dir`). */
export async function writeHookDocuments(dir: string, documents: Map<string, unknown>): Promise<void> {
  await mkdir(dir, { recursive: true });
  await Promise.all(
    [...documents].map(([id, document]) => writeFile(join(dir, `${id}.json`), JSON.stringify(document))),
  );
}
