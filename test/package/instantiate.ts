import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inject } from 'vitest';
import { type CloudFormationTemplate, deploy } from '../../src/local/cloudformation/resolve.js';

/**
 * The IAM simulator sees one account: package tests instantiate the packaged template in it,
 * as CloudFormation would deploy it with the given conditions.
 */
export const ACCOUNT = '222222222222';

export type PackagedTemplate = CloudFormationTemplate;

export interface Instantiation {
  /** Conditions decided here rather than by the template's own definitions. */
  conditions?: Record<string, boolean>;
  /** Physical ids of resources (a secret's ARN, a user's name), by logical id. */
  physicalIds?: Record<string, string>;
}

/** `node` of `template` as CloudFormation would deploy it in ACCOUNT (src/local/cloudformation/resolve.ts). */
export function instantiate(template: PackagedTemplate, node: unknown, how: Instantiation = {}): unknown {
  return deploy(template, {
    accountId: ACCOUNT,
    region: 'us-east-1',
    stackName: 'credvend-test',
    ...how,
  }).resolve(node);
}

export async function packagedTemplate(which: 'defaults' | 'allFeatures'): Promise<PackagedTemplate> {
  const dir = inject('packaged')[which];
  return JSON.parse(
    await readFile(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as PackagedTemplate;
}
