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
  // Secrets named by ARN and by name (the account is the IAM simulator's: test/package/instantiate.ts).
  idempotencySecretId:
    'arn:aws:secretsmanager:us-east-1:222222222222:secret:credvend/test/idempotency-AbCdEf',
  cursorSecretId: 'credvend/test/cursor',
  slackTokenSecretId: 'credvend/test/slack-token',
  slackChannel: 'C0APPROVALS',
  slackSigningSecretId: 'credvend/test/slack-signing',
  slackTeamId: 'T0WORKSPACE',
  slackAppId: 'A0CREDVEND',
  webhookUrl: 'https://hooks.example.com/credvend',
  webhookSecretId: 'credvend/test/webhook',
  teamsWebhookSecretId: 'credvend/test/teams',
  pagerDutyTokenSecretId: 'credvend/test/pagerduty',
  opsgenieKeySecretId: 'arn:aws:secretsmanager:us-east-1:222222222222:secret:credvend/test/opsgenie-QwErTy',
  secretsKeyArn: 'arn:aws:kms:us-east-1:222222222222:key/0b9f6c2e-5d1a-4c3b-9e8f-7a6b5c4d3e2f',
  secretCacheSeconds: '120',
  backupVaultLockMode: 'COMPLIANCE',
  backupCopyVaultArn: 'arn:aws:backup:us-east-1:444444444444:backup-vault:credvend-copies',
  // Digests in a log-archive account (deploy/log-archive.yaml's outputs).
  digestArchiveBucket: 'credvend-evidence-digests-555555555555',
  digestArchiveKeyArn: 'arn:aws:kms:us-east-1:555555555555:key/5a5a5a5a-0000-4000-8000-000000000001',
  digestArchiveBucketKeyArn: 'arn:aws:kms:us-east-1:555555555555:key/5a5a5a5a-0000-4000-8000-000000000002',
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

/**
 * The values of the secrets ALL_FEATURES names, as a careless operator might have them at hand
 * while packaging: exported in the shell under the settings that once carried them. The package
 * test looks for each in the template, every zip and the state file.
 */
export const SECRET_VALUES = {
  CREDVEND_IDEMPOTENCY_SECRET: 'idempotency-value-7Qm2xLw9Rt4Zp8Vn3Kc6Hy1Bd5',
  CREDVEND_CURSOR_SECRET: 'cursor-value-4Jt8Nq2Wx6Fs9Lm3Pv7Rd1Gh5Kb0',
  CREDVEND_SLACK_TOKEN: 'xoxb-1234567890-slack-token-value-Zr8Tq3Mw',
  CREDVEND_SLACK_SIGNING_SECRET: 'slack-signing-value-8e2f4a6c1b9d3e7f',
  CREDVEND_WEBHOOK_SECRET: 'webhook-value-Vn5Hc9Lq2Tx7Bm4Rw8Kd3Fz6Js1',
  CREDVEND_TEAMS_WEBHOOK_URL:
    'https://example.webhook.office.com/webhookb2/teams-url-value-3f9a/IncomingWebhook/sig',
  CREDVEND_PAGERDUTY_TOKEN: 'pagerduty-value-u+2Xq8Lm4Tz9Wc3Rk7Vb',
  CREDVEND_OPSGENIE_KEY: 'opsgenie-value-5f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
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
  // One esbuild run for both (and for the integration project's local template in the same
  // process): the variant packaged with the secret values in its environment bundles, so the
  // zips the secrets test searches were built there.
  await serverlessPackage(packaged.allFeatures, ALL_FEATURES, 'test', SECRET_VALUES, { shareBundles: true });
  await serverlessPackage(packaged.defaults, {}, 'test', {}, { shareBundles: true });
  project.provide('packaged', packaged);
  return () => rm(root, { recursive: true, force: true });
}
