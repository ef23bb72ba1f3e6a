import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDeployParams } from '../../deploy/deploy-params.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { serverlessPackage } from '../../src/local/cloudformation/serverless-package.js';
import { readCloudFormationYaml } from '../../src/local/cloudformation/yaml.js';

/** serverless.yml's defaults, as `custom.deployParams` resolves them for stage `test`. */
const DEFAULTS = {
  authMethods: 'aws',
  oidcIssuer: '',
  oidcIssuers: '',
  oidcAudience: 'credvend',
  serverId: 'credvend-test',
  targetRolePattern: 'arn:aws:iam::*:role/credvend-*',
  revokerRoleName: 'credvend-revoker',
  callerRateLimit: '60/60',
  entitlementRateLimit: '600/60',
  idempotencySecretId: '',
  cursorSecretId: '',
  slackTokenSecretId: '',
  slackChannel: '',
  slackSigningSecretId: '',
  slackTeamId: '',
  slackAppId: '',
  webhookUrl: '',
  webhookSecretId: '',
  teamsWebhookSecretId: '',
  secretsKeyArn: '',
  secretCacheSeconds: '300',
  logLevel: 'info',
  throttleRate: '500',
  throttleBurst: '1000',
  alarmTopicArn: '',
  vendingIdentity: 'role',
  vendingKeyRotationDays: '30',
  auditEvents: 'off',
  digestLockMode: 'GOVERNANCE',
  digestRetentionDays: '2557',
  accessLogRetentionDays: '365',
  organizationId: '',
  organizationPaths: '',
  activityRetentionDays: '400',
  backupSchedule: 'cron(0 3 * * ? *)',
  backupRetentionDays: '35',
  backupVaultLockMode: 'GOVERNANCE',
  backupCopyVaultArn: '',
  digestArchiveBucket: '',
  digestArchiveKeyArn: '',
  digestArchiveBucketKeyArn: '',
  deploymentConfig: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
};

const problemsWith = (change: Record<string, string>) =>
  checkDeployParams({ ...DEFAULTS, ...change }).problems;

/** Parameters that reach the functions' environment, checked again by src/config.ts at cold start. */
const ENVIRONMENT_OF: Record<string, string> = {
  oidcIssuer: 'CREDVEND_OIDC_ISSUER',
  serverId: 'CREDVEND_SERVER_ID',
  callerRateLimit: 'CREDVEND_CALLER_RATE_LIMIT',
  idempotencySecretId: 'CREDVEND_IDEMPOTENCY_SECRET_ID',
  cursorSecretId: 'CREDVEND_CURSOR_SECRET_ID',
  secretCacheSeconds: 'CREDVEND_SECRET_TTL_SECONDS',
  logLevel: 'CREDVEND_LOG_LEVEL',
  revokerRoleName: 'CREDVEND_REVOKER_ROLE_NAME',
};

describe('deploy parameters', () => {
  it('accepts the defaults and every option on', () => {
    expect(problemsWith({})).toEqual([]);
    expect(
      problemsWith({
        authMethods: 'oidc,aws',
        oidcIssuer: 'https://token.actions.githubusercontent.com',
        alarmTopicArn: 'arn:aws:sns:eu-west-1:111111111111:platform-alarms',
        vendingIdentity: 'user',
        vendingKeyRotationDays: '1',
        deploymentConfig: 'CodeDeployDefault.LambdaLinear10PercentEvery1Minute',
        throttleRate: '0.5',
        throttleBurst: '1',
        digestLockMode: 'COMPLIANCE',
        digestRetentionDays: '1',
        organizationId: 'o-a1b2c3d4e5',
        organizationPaths: 'o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/,o-a1b2c3d4e5/r-ab12/ou-ab12-22222222/*',
        cloudTrailBucket: 'org-trail-logs',
        cloudTrailPrefix: 'AWSLogs/o-abc123def4/',
        cloudTrailKeyArn: 'arn:aws:kms:us-east-1:444444444444:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        activityRetentionDays: '3653',
        idempotencySecretId:
          'arn:aws:secretsmanager:eu-west-1:111111111111:secret:credvend/prod/idempotency-AbCdEf',
        cursorSecretId: 'credvend/prod/cursor',
        slackTokenSecretId: 'credvend/prod/slack-token',
        slackChannel: 'C0APPROVALS',
        slackSigningSecretId: 'credvend/prod/slack-signing',
        slackTeamId: 'T0WORKSPACE',
        slackAppId: 'A0CREDVEND',
        webhookUrl: 'https://hooks.example.com/credvend',
        webhookSecretId: 'credvend/prod/webhook',
        teamsWebhookSecretId: 'credvend/prod/teams',
        secretsKeyArn: 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        secretCacheSeconds: '3600',
        backupSchedule: 'rate(12 hours)',
        backupRetentionDays: '3650',
        backupVaultLockMode: 'COMPLIANCE',
        backupCopyVaultArn: 'arn:aws:backup:eu-central-1:444444444444:backup-vault:credvend-copies',
        digestArchiveBucket: 'credvend-evidence-digests',
        digestArchiveKeyArn: 'arn:aws:kms:eu-west-1:555555555555:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        digestArchiveBucketKeyArn:
          'arn:aws:kms:eu-west-1:555555555555:key/1234abcd-12ab-34cd-56ef-1234567890ac',
      }),
    ).toEqual([]);
    expect(problemsWith({ authMethods: 'none', serverId: '' })).toEqual([]);
  });

  it.each([
    [{ authMethods: 'oidc' }, 'oidcIssuer: empty while authMethods includes oidc'],
    [{ oidcIssuer: 'https://idp.example.com' }, 'oidcIssuer: set while authMethods leaves oidc off'],
    [{ authMethods: 'oidc', oidcIssuer: 'http://idp.example.com' }, 'is not an https:// URL'],
    [
      { oidcIssuers: '[{"issuer":"https://gitlab.example.com"}]' },
      'oidcIssuer: set while authMethods leaves oidc off',
    ],
    [{ authMethods: 'oidc', oidcIssuers: '{"issuer":"https://x"}' }, 'oidcIssuers: not a JSON array'],
    [{ serverId: 'prod eu' }, 'serverId: "prod eu" cannot travel in the signed X-Credvend-Server-ID header'],
    [{ serverId: 'crédvend-prod' }, 'cannot travel in the signed X-Credvend-Server-ID header'],
    [{ serverId: 'short' }, 'cannot travel in the signed X-Credvend-Server-ID header'],
    [{ throttleRate: '0' }, 'throttleRate: "0" must be a number of requests per second above 0'],
    [{ throttleBurst: '0' }, 'throttleBurst: "0" must be a whole number'],
    [{ throttleBurst: '2.5' }, 'throttleBurst: "2.5" must be a whole number'],
    [{ auditEvents: 'true' }, 'auditEvents: "true" is not on or off'],
    [{ authMethods: 'saml' }, 'authMethods: "saml" is not one of oidc, aws'],
    [{ alarmTopicArn: 'platform-alarms' }, 'alarmTopicArn: "platform-alarms" is not an SNS topic ARN'],
    [{ vendingIdentity: 'root' }, 'vendingIdentity: "root" is not role (the default'],
    [
      { deploymentConfig: 'CodeDeployDefault.AllAtOnce' },
      `deploymentConfig: "CodeDeployDefault.AllAtOnce" is not one of CodeDeploy's Lambda configurations`,
    ],
    [{ vendingIdentity: '' }, 'vendingIdentity: "" is not role'],
    [
      { vendingKeyRotationDays: '0' },
      'vendingKeyRotationDays: "0" must be a whole number of days from 1 to 365',
    ],
    [{ vendingKeyRotationDays: '1.5' }, 'vendingKeyRotationDays: "1.5" must be a whole number'],
    [{ callerRateLimit: '60 per minute' }, 'callerRateLimit: not <count>/<seconds> or off'],
    [
      { idempotencySecretId: 'a value, not a name' },
      'idempotencySecretId: not a Secrets Manager secret ARN or name',
    ],
    [{ cursorSecretId: 'arn:aws:ssm:eu-west-1:111111111111:parameter/x' }, 'cursorSecretId: not a Secrets'],
    [
      { secretsKeyArn: 'alias/aws/secretsmanager', cursorSecretId: 'c' },
      'secretsKeyArn: "alias/aws/secretsmanager" is not a KMS key ARN',
    ],
    [
      { secretsKeyArn: 'arn:aws:kms:eu-west-1:111111111111:key/k-1' },
      'secretsKeyArn: set while no secret is named',
    ],
    [{ secretCacheSeconds: '86400' }, 'secretCacheSeconds: "86400" must be whole seconds from 10 to 3600'],
    [{ slackTokenSecretId: 'credvend/slack' }, 'slackTokenSecretId and slackChannel: both or neither'],
    [
      { slackSigningSecretId: 'credvend/slack-signing' },
      'slackSigningSecretId, slackTeamId and slackAppId: all three or none',
    ],
    [{ webhookUrl: 'https://hooks.example.com/x' }, 'webhookUrl and webhookSecretId: both or neither'],
    [{ webhookUrl: 'http://hooks.example.com/x', webhookSecretId: 'w' }, 'is not an https:// URL'],
    [{ logLevel: 'verbose' }, 'logLevel: not one of'],
    [{ digestLockMode: 'compliance' }, 'digestLockMode: "compliance" is not GOVERNANCE'],
    [{ digestLockMode: '' }, 'digestLockMode: "" is not GOVERNANCE'],
    [{ digestRetentionDays: '0' }, 'digestRetentionDays: "0" must be a whole number of days from 1 to 36500'],
    [{ digestRetentionDays: '7y' }, 'digestRetentionDays: "7y" must be a whole number'],
    [{ accessLogRetentionDays: '36501' }, 'accessLogRetentionDays: "36501" must be a whole number'],
    [{ organizationId: '123456789012' }, 'organizationId: "123456789012" is not an AWS Organizations id'],
    [{ organizationPaths: 'o-a1b2c3d4e5/r-ab12/' }, 'organizationPaths: set without organizationId'],
    [
      { organizationId: 'o-a1b2c3d4e5', organizationPaths: 'o-zzzzzzzzzz/r-ab12/' },
      'organizationPaths: "o-zzzzzzzzzz/r-ab12/" is not a path of o-a1b2c3d4e5',
    ],
    [
      { organizationId: 'o-a1b2c3d4e5', organizationPaths: 'o-a1b2c3d4e5/ou-ab12-11111111' },
      'is not a path of o-a1b2c3d4e5',
    ],
    [{ cloudTrailBucket: 'Org_Trail' }, 'cloudTrailBucket: "Org_Trail" is not an S3 bucket name'],
    [{ cloudTrailBucket: 'org-trail', cloudTrailPrefix: '/AWSLogs/' }, 'cloudTrailPrefix: an S3 key prefix'],
    [{ cloudTrailPrefix: 'AWSLogs/' }, 'set without cloudTrailBucket'],
    [{ cloudTrailBucket: 'org-trail', cloudTrailKeyArn: 'alias/trail' }, 'is not a KMS key ARN'],
    [{ backupSchedule: 'daily' }, 'backupSchedule: "daily" is not a cron(…) or rate(…) expression'],
    [{ backupRetentionDays: '0' }, 'backupRetentionDays: "0" must be a whole number of days from 1 to 36500'],
    [{ backupVaultLockMode: 'compliance' }, 'backupVaultLockMode: "compliance" is not GOVERNANCE'],
    [
      { backupCopyVaultArn: 'credvend-copies' },
      'backupCopyVaultArn: "credvend-copies" is not an AWS Backup vault ARN',
    ],
    [
      { digestArchiveBucket: 'credvend-evidence' },
      'digestArchiveBucket, digestArchiveKeyArn, digestArchiveBucketKeyArn: all three',
    ],
    [
      {
        digestArchiveBucket: 'credvend-evidence',
        digestArchiveKeyArn: 'alias/digests',
        digestArchiveBucketKeyArn: 'arn:aws:kms:eu-west-1:555555555555:key/k-2',
      },
      'digestArchiveKeyArn: "alias/digests" is not a KMS key ARN',
    ],
    [{ activityRetentionDays: '0' }, 'activityRetentionDays: "0" must be whole days from 1 to 3653'],
  ])('refuses %j with one problem: %s', (change, problem) => {
    const problems = problemsWith(change);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(problem);
  });

  it('locks digests in GOVERNANCE mode by default and in COMPLIANCE mode for the prod stage', async () => {
    const service = (await readCloudFormationYaml('serverless.yml')) as {
      params: Record<string, Record<string, unknown>>;
    };
    expect(service.params.default?.digestLockMode).toBe('GOVERNANCE');
    expect(service.params.prod?.digestLockMode).toBe('COMPLIANCE');
    expect(service.params.default?.backupVaultLockMode).toBe('GOVERNANCE');
    expect(service.params.prod?.backupVaultLockMode).toBe('COMPLIANCE');
  });

  it('refuses at package time what the functions would refuse at every cold start', () => {
    const refusedByBoth: Array<Record<string, string>> = [
      { oidcIssuer: 'not a url', authMethods: 'oidc' },
      { serverId: 'prod eu' },
      { serverId: 'short' },
      { callerRateLimit: '60 per minute' },
      { idempotencySecretId: 'a value, not a name' },
      { cursorSecretId: 'a value, not a name' },
      { secretCacheSeconds: '86400' },
      { logLevel: 'verbose' },
      { revokerRoleName: 'has/slash' },
    ];
    for (const change of refusedByBoth) {
      expect(problemsWith(change), JSON.stringify(change)).not.toEqual([]);
      const environment = Object.fromEntries(
        Object.entries(change)
          .filter(([name]) => ENVIRONMENT_OF[name])
          .map(([name, value]) => [ENVIRONMENT_OF[name], value]),
      );
      expect(() => loadConfig(environment), JSON.stringify(change)).toThrow(ConfigError);
    }
  });

  it('fails `serverless package` in one line naming each bad parameter, before anything is built', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'credvend-bad-params-'));
    try {
      const params = { authMethods: 'oidc,aws', serverId: 'prod eu-1', throttleRate: '0' };
      const failure = await serverlessPackage(join(dir, 'out'), params).then(
        () => undefined,
        (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ''}${error.stderr ?? ''}`,
      );
      expect(failure, 'serverless package succeeded').toBeDefined();
      const lines = (failure ?? '').split('\n').filter((line) => line.includes('Invalid deploy parameters'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^Invalid deploy parameters: /);
      for (const problem of [
        'oidcIssuer: empty while authMethods includes oidc',
        'serverId: "prod eu-1" cannot travel',
        'throttleRate: "0" must be',
      ])
        expect(lines[0]).toContain(problem);
      expect(failure).not.toMatch(/\n\s+at /);
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a secret value passed as a parameter, naming the parameter and never the value', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'credvend-secret-params-'));
    const value = 'a-slack-signing-secret-that-must-never-be-echoed';
    try {
      const failure = await serverlessPackage(join(dir, 'out'), { slackSigningSecret: value }).then(
        () => undefined,
        (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ''}${error.stderr ?? ''}`,
      );
      expect(failure, 'serverless package succeeded').toBeDefined();
      expect(failure).toContain("slackSigningSecret: a secret's value is never a parameter");
      expect(failure).toContain('slackSigningSecretId');
      expect(failure).not.toContain(value);
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
