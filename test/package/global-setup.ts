import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { serverlessPackage } from '../../src/local/cloudformation/serverless-package.js';

/** Deploy parameters of the second packaged variant: every optional feature on. */
export const ALL_FEATURES = {
  authMethods: 'oidc,aws',
  oidcIssuer: 'https://token.actions.githubusercontent.com',
  alarmTopicArn: 'arn:aws:sns:us-east-1:111111111111:platform-alarms',
  idempotencySecret: 'a-test-secret-of-at-least-32-characters',
  vendingIdentity: 'user',
  organizationId: 'o-a1b2c3d4e5',
  organizationPaths: 'o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/',
  notifySnsTopicArn: 'arn:aws:sns:us-east-1:222222222222:credvend-notices',
  notifyEmailFrom: 'credvend@example.com',
  notifyEmailTo: 'approvals@example.com,security@example.com',
  portalUrl: 'https://credvend.example.com',
  cloudTrailBucket: 'org-trail-logs',
  cloudTrailPrefix: 'AWSLogs/o-abc123def4/',
  cloudTrailKeyArn: 'arn:aws:kms:us-east-1:444444444444:key/1234abcd-12ab-34cd-56ef-1234567890ab',
} as const;

declare module 'vitest' {
  export interface ProvidedContext {
    /** Directories of `serverless package` output: defaults, and ALL_FEATURES. */
    packaged: { defaults: string; allFeatures: string };
  }
}

/**
 * Packages the service once for every package test file that only reads the output (packaging
 * runs esbuild in the service's .esbuild folder, so two at once would collide).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = await mkdtemp(join(tmpdir(), 'credvend-packaged-'));
  const packaged = { defaults: join(root, 'defaults'), allFeatures: join(root, 'all-features') };
  await serverlessPackage(packaged.defaults);
  await serverlessPackage(packaged.allFeatures, ALL_FEATURES);
  project.provide('packaged', packaged);
  return () => rm(root, { recursive: true, force: true });
}
