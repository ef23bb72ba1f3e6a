/**
 * The deploy parameters of serverless.yml, checked at package time: a value that would make
 * every cold start fail (or silently turn a feature off) is refused here, in one line, before
 * anything reaches CloudFormation. The same limits as src/config.ts, which checks the
 * functions' environment again at start (test/package/deploy-params.test.ts keeps them agreeing).
 */

const AUTH_METHODS = new Set(['oidc', 'aws']);
/** What SigV4 canonicalisation keeps intact in a signed header: printable ASCII, no spaces. */
const SERVER_ID = /^[\x21-\x7e]{8,256}$/;
const RATE_LIMIT = /^(off|\d{1,7}\/\d{1,6})$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const ROLE_ARN_PATTERN = /^arn:aws[\w-]*:iam::(\*|\d{12}):role\/[\w+=,.@/*-]{1,512}$/;
const SNS_TOPIC_ARN = /^arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/;
const LOG_LEVELS = new Set(['debug', 'info', 'warn', 'error', 'silent']);
const VENDING_IDENTITIES = new Set(['role', 'user']);
/** CodeDeploy's predefined configurations for Lambda (a custom one would be another resource). */
const DEPLOYMENT_CONFIGS = new Set(
  [
    'AllAtOnce',
    'Canary10Percent5Minutes',
    'Canary10Percent10Minutes',
    'Canary10Percent15Minutes',
    'Canary10Percent30Minutes',
    'Linear10PercentEvery1Minute',
    'Linear10PercentEvery2Minutes',
    'Linear10PercentEvery3Minutes',
    'Linear10PercentEvery10Minutes',
  ].map((name) => `CodeDeployDefault.Lambda${name}`),
);
/** API Gateway's own account-level ceilings for a stage's default route. */
const MAX_RATE = 10_000;
const MAX_BURST = 5_000;

/** @param {unknown} value */
const text = (value) => (value === undefined || value === null ? '' : String(value).trim());

/**
 * @param {Record<string, unknown>} params the resolved `custom.deployParams` of serverless.yml
 * @returns {{ problems: string[], checked: { authMethods: string[], throttle: { rate: number, burst: number }, organization?: { id: string, paths: string[] } } }}
 */
export function checkDeployParams(params) {
  const problems = [];
  const authMethods = text(params.authMethods) === 'none' ? [] : text(params.authMethods).split(',');
  const methods = authMethods.map((m) => m.trim()).filter((m) => m.length > 0);
  for (const method of methods) {
    if (!AUTH_METHODS.has(method))
      problems.push(`authMethods: "${method}" is not one of oidc, aws (or none: IAM-signed routes only)`);
  }
  const oidcOn = methods.includes('oidc');
  const issuer = text(params.oidcIssuer);
  const moreIssuers = text(params.oidcIssuers);
  if (oidcOn && issuer === '' && moreIssuers === '')
    problems.push(
      'oidcIssuer: empty while authMethods includes oidc; set --param="oidcIssuer=https://…" (or oidcIssuers)',
    );
  if (!oidcOn && (issuer !== '' || moreIssuers !== ''))
    problems.push('oidcIssuer: set while authMethods leaves oidc off; add oidc to authMethods or drop it');
  if (issuer !== '' && !isHttpsUrl(issuer)) problems.push(`oidcIssuer: "${issuer}" is not an https:// URL`);
  if (moreIssuers !== '' && !isJsonArray(moreIssuers)) problems.push('oidcIssuers: not a JSON array');
  if (oidcOn && text(params.oidcAudience) === '') problems.push('oidcAudience: empty');
  const serverId = text(params.serverId);
  if (methods.includes('aws') && !SERVER_ID.test(serverId))
    problems.push(
      `serverId: "${serverId}" cannot travel in the signed X-Credvend-Server-ID header (8-256 printable ASCII characters, no spaces)`,
    );
  if (!ROLE_ARN_PATTERN.test(text(params.targetRolePattern)))
    problems.push('targetRolePattern: not an IAM role ARN pattern (arn:aws:iam::<account or *>:role/<name>)');
  const revoker = text(params.revokerRoleName);
  if (revoker !== '' && !ROLE_NAME.test(revoker))
    problems.push(`revokerRoleName: "${revoker}" is not an IAM role name`);
  for (const name of ['callerRateLimit', 'entitlementRateLimit']) {
    if (!RATE_LIMIT.test(text(params[name]))) problems.push(`${name}: not <count>/<seconds> or off`);
  }
  problems.push(...checkSecrets(params));
  if (!LOG_LEVELS.has(text(params.logLevel)))
    problems.push(`logLevel: not one of ${[...LOG_LEVELS].join(', ')}`);
  const rate = Number(text(params.throttleRate));
  if (!(rate > 0 && rate <= MAX_RATE))
    problems.push(
      `throttleRate: "${text(params.throttleRate)}" must be a number of requests per second above 0, at most ${MAX_RATE} (0 would refuse every request)`,
    );
  const burst = Number(text(params.throttleBurst));
  if (!(Number.isInteger(burst) && burst >= 1 && burst <= MAX_BURST))
    problems.push(
      `throttleBurst: "${text(params.throttleBurst)}" must be a whole number of requests from 1 to ${MAX_BURST} (0 would refuse every request)`,
    );
  const topic = text(params.alarmTopicArn);
  if (topic !== '' && !SNS_TOPIC_ARN.test(topic))
    problems.push(`alarmTopicArn: "${topic}" is not an SNS topic ARN`);
  if (!DEPLOYMENT_CONFIGS.has(text(params.deploymentConfig)))
    problems.push(
      `deploymentConfig: "${text(params.deploymentConfig)}" is not one of CodeDeploy's Lambda configurations (${[...DEPLOYMENT_CONFIGS].join(', ')})`,
    );
  if (!VENDING_IDENTITIES.has(text(params.vendingIdentity)))
    problems.push(
      `vendingIdentity: "${text(params.vendingIdentity)}" is not role (the default, sessions up to 1 h) or user (up to 12 h, see docs/operations/deploy.md)`,
    );
  const days = Number(text(params.vendingKeyRotationDays));
  if (!(Number.isInteger(days) && days >= 1 && days <= 365))
    problems.push(
      `vendingKeyRotationDays: "${text(params.vendingKeyRotationDays)}" must be a whole number of days from 1 to 365`,
    );
  if (!['on', 'off'].includes(text(params.auditEvents)))
    problems.push(`auditEvents: "${text(params.auditEvents)}" is not on or off`);
  problems.push(...checkRetention(params));
  problems.push(...checkBackup(params));
  problems.push(...checkDigestArchive(params));
  problems.push(...checkActivity(params));
  const { organization, problems: organizationProblems } = checkOrganization(params);
  problems.push(...organizationProblems);
  return {
    problems,
    checked: { authMethods: methods, throttle: { rate, burst }, ...(organization ? { organization } : {}) },
  };
}

/** A Secrets Manager secret as src/secret-settings.ts accepts it: an ARN, or a name. */
const SECRET_ID =
  /^(arn:aws[\w-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]{1,512}|[\w/+=.@-]{1,512})$/;
/** Parameters naming a secret, each read by one function (docs/operations/secrets.md). */
export const SECRET_PARAMS = [
  'idempotencySecretId',
  'cursorSecretId',
  'slackTokenSecretId',
  'slackSigningSecretId',
  'webhookSecretId',
  'teamsWebhookSecretId',
  'pagerDutyTokenSecretId',
  'opsgenieKeySecretId',
];
/** Parameters that once carried a secret's value, and the parameter naming the secret now. */
const VALUE_PARAMS = {
  idempotencySecret: 'idempotencySecretId',
  cursorSecret: 'cursorSecretId',
  slackToken: 'slackTokenSecretId',
  slackSigningSecret: 'slackSigningSecretId',
  webhookSecret: 'webhookSecretId',
  teamsWebhookUrl: 'teamsWebhookSecretId',
  pagerDutyToken: 'pagerDutyTokenSecretId',
  opsgenieKey: 'opsgenieKeySecretId',
};

/**
 * Secrets are named, never passed: each *SecretId is an ARN or a name, the KMS key an ARN of a
 * key (IAM grants Decrypt on keys, not aliases), the cache lifetime bounded, and the settings
 * that need each other come together. No message quotes a secret parameter's value.
 * @param {Record<string, unknown>} params
 */
function checkSecrets(params) {
  const problems = [];
  for (const name of SECRET_PARAMS) {
    const id = text(params[name]);
    if (id !== '' && !SECRET_ID.test(id))
      problems.push(
        `${name}: not a Secrets Manager secret ARN or name (it names the secret; the value stays in Secrets Manager)`,
      );
  }
  const key = text(params.secretsKeyArn);
  if (key !== '' && !/^arn:aws[\w-]*:kms:[a-z0-9-]+:\d{12}:key\/[\w-]+$/.test(key))
    problems.push(`secretsKeyArn: "${key}" is not a KMS key ARN (arn:…:kms:<region>:<account>:key/<id>)`);
  if (key !== '' && SECRET_PARAMS.every((name) => text(params[name]) === ''))
    problems.push('secretsKeyArn: set while no secret is named');
  const seconds = Number(text(params.secretCacheSeconds));
  if (!(Number.isInteger(seconds) && seconds >= 10 && seconds <= 3600))
    problems.push(
      `secretCacheSeconds: "${text(params.secretCacheSeconds)}" must be whole seconds from 10 to 3600`,
    );
  if ((text(params.slackTokenSecretId) === '') !== (text(params.slackChannel) === ''))
    problems.push('slackTokenSecretId and slackChannel: both or neither');
  // Slack decisions are bound to one workspace and app: the signing secret alone names neither.
  const slackBinding = [text(params.slackSigningSecretId), text(params.slackTeamId), text(params.slackAppId)];
  if (slackBinding.some((v) => v === '') && slackBinding.some((v) => v !== ''))
    problems.push('slackSigningSecretId, slackTeamId and slackAppId: all three or none');
  const webhook = text(params.webhookUrl);
  if (webhook !== '' && !isHttpsUrl(webhook))
    problems.push(`webhookUrl: "${webhook}" is not an https:// URL`);
  if ((webhook === '') !== (text(params.webhookSecretId) === ''))
    problems.push('webhookUrl and webhookSecretId: both or neither (notices are always signed)');
  return problems;
}

/**
 * `--param` names that once carried a secret's value: refused rather than ignored (the feature
 * would silently be off), naming the parameter only.
 * @param {string[]} cliParams the `--param` options as given, `<name>=<value>`
 */
export function secretValueParams(cliParams) {
  return cliParams
    .map((item) => item.slice(0, Math.max(0, item.indexOf('='))))
    .filter((name) => Object.hasOwn(VALUE_PARAMS, name))
    .map(
      (name) =>
        `${name}: a secret's value is never a parameter; store it in Secrets Manager and name it in ${VALUE_PARAMS[/** @type {keyof typeof VALUE_PARAMS} */ (name)]} (docs/operations/secrets.md)`,
    );
}

/** AWS Organizations ids: `o-` and 10 to 32 lower-case letters or digits. */
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
/** An entity path as aws:ResourceOrgPaths carries it: `o-…/r-…/ou-…/…/`, optionally ending in `*`. */
const ORGANIZATION_PATH = /^o-[a-z0-9]{10,32}\/r-[a-z0-9]{4,32}\/(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}\/)*\*?$/;

/**
 * The organization whose accounts the stack's identities may assume roles in (empty: any
 * account the target role pattern names), and optionally the OU paths within it.
 * @param {Record<string, unknown>} params
 */
function checkOrganization(params) {
  const id = text(params.organizationId);
  const paths = text(params.organizationPaths)
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  const problems = [];
  if (id !== '' && !ORGANIZATION_ID.test(id))
    problems.push(`organizationId: "${id}" is not an AWS Organizations id (o- and 10-32 letters or digits)`);
  if (id === '' && paths.length > 0) problems.push('organizationPaths: set without organizationId');
  for (const path of paths) {
    if (!ORGANIZATION_PATH.test(path) || (id !== '' && !path.startsWith(`${id}/`)))
      problems.push(
        `organizationPaths: "${path}" is not a path of ${id || 'the organization'} (o-…/r-…/ou-…/)`,
      );
  }
  return { problems, organization: id === '' ? undefined : { id, paths } };
}

const LOCK_MODES = new Set(['GOVERNANCE', 'COMPLIANCE']);
/** S3 Object Lock's own ceiling for a default retention: 100 years. */
const MAX_RETENTION_DAYS = 36_500;

/**
 * How long evidence and access logs are kept. A COMPLIANCE lock cannot be shortened by anyone,
 * so a typo here is permanent: the mode must be named exactly and the days must be whole.
 * @param {Record<string, unknown>} params
 */
function checkRetention(params) {
  const problems = [];
  const mode = text(params.digestLockMode);
  if (!LOCK_MODES.has(mode))
    problems.push(
      `digestLockMode: "${mode}" is not GOVERNANCE (deletable with s3:BypassGovernanceRetention) or COMPLIANCE (by nobody until the retention ends)`,
    );
  for (const name of ['digestRetentionDays', 'accessLogRetentionDays']) {
    const days = Number(text(params[name]));
    if (!(Number.isInteger(days) && days >= 1 && days <= MAX_RETENTION_DAYS))
      problems.push(
        `${name}: "${text(params[name])}" must be a whole number of days from 1 to ${MAX_RETENTION_DAYS}`,
      );
  }
  return problems;
}

/** An AWS Backup vault's ARN (names are 2-50 letters, digits, `-`, `_` or `.`). */
const BACKUP_VAULT_ARN = /^arn:aws[\w-]*:backup:[a-z0-9-]+:\d{12}:backup-vault:[\w.-]{2,50}$/;
/** AWS Backup's own bounds: a schedule is a cron() or rate() expression; a vault lock floor of 1 to 36500 days. */
const SCHEDULE = /^(cron\([^()]{9,100}\)|rate\(\d{1,4} (minute|minutes|hour|hours|day|days)\))$/;

/**
 * AWS Backup of the tables: a schedule AWS Backup accepts, whole days, a lock mode named
 * exactly (COMPLIANCE becomes immutable three days after the deploy), a copy vault by ARN
 * in another account than none at all.
 * @param {Record<string, unknown>} params
 */
function checkBackup(params) {
  const problems = [];
  if (!SCHEDULE.test(text(params.backupSchedule)))
    problems.push(`backupSchedule: "${text(params.backupSchedule)}" is not a cron(…) or rate(…) expression`);
  const days = Number(text(params.backupRetentionDays));
  if (!(Number.isInteger(days) && days >= 1 && days <= MAX_RETENTION_DAYS))
    problems.push(
      `backupRetentionDays: "${text(params.backupRetentionDays)}" must be a whole number of days from 1 to ${MAX_RETENTION_DAYS}`,
    );
  const mode = text(params.backupVaultLockMode);
  if (!LOCK_MODES.has(mode))
    problems.push(
      `backupVaultLockMode: "${mode}" is not GOVERNANCE (the lock can be removed) or COMPLIANCE (immutable 3 days after the deploy)`,
    );
  const copy = text(params.backupCopyVaultArn);
  if (copy !== '' && !BACKUP_VAULT_ARN.test(copy))
    problems.push(
      `backupCopyVaultArn: "${copy}" is not an AWS Backup vault ARN (arn:…:backup:<region>:<account>:backup-vault:<name>)`,
    );
  return problems;
}

/** A KMS key's ARN (IAM grants on keys, not aliases). */
const KMS_KEY_ARN = /^arn:aws[\w-]*:kms:[a-z0-9-]+:\d{12}:key\/[\w-]+$/;

/**
 * Digests in the log-archive account: deploy/log-archive.yaml's three outputs, all or none.
 * @param {Record<string, unknown>} params
 */
function checkDigestArchive(params) {
  const problems = [];
  const bucket = text(params.digestArchiveBucket);
  const keys = ['digestArchiveKeyArn', 'digestArchiveBucketKeyArn'];
  if (bucket !== '' && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
    problems.push(`digestArchiveBucket: "${bucket}" is not an S3 bucket name`);
  for (const name of keys) {
    const key = text(params[name]);
    if (key !== '' && !KMS_KEY_ARN.test(key)) problems.push(`${name}: "${key}" is not a KMS key ARN`);
  }
  const given = ['digestArchiveBucket', ...keys].filter((name) => text(params[name]) !== '');
  if (given.length > 0 && given.length < 3)
    problems.push(
      'digestArchiveBucket, digestArchiveKeyArn, digestArchiveBucketKeyArn: all three (deploy/log-archive.yaml outputs) or none',
    );
  return problems;
}

/**
 * CloudTrail activity: a bucket S3 would accept, a prefix (never a leading `/`, which S3 keys
 * do not have), an SSE-KMS key's ARN, and whole days kept.
 * @param {Record<string, unknown>} params
 */
function checkActivity(params) {
  const problems = [];
  const bucket = text(params.cloudTrailBucket);
  if (bucket !== '' && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
    problems.push(`cloudTrailBucket: "${bucket}" is not an S3 bucket name`);
  const prefix = text(params.cloudTrailPrefix);
  if (prefix.startsWith('/') || prefix.length > 1024)
    problems.push('cloudTrailPrefix: an S3 key prefix (no leading /, at most 1024 characters)');
  const key = text(params.cloudTrailKeyArn);
  if (key !== '' && !/^arn:aws[\w-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[\w/-]+$/.test(key))
    problems.push(`cloudTrailKeyArn: "${key}" is not a KMS key ARN`);
  if ((prefix !== '' || key !== '') && bucket === '')
    problems.push('cloudTrailPrefix/cloudTrailKeyArn: set without cloudTrailBucket');
  const days = Number(text(params.activityRetentionDays));
  if (!(Number.isInteger(days) && days >= 1 && days <= 3653))
    problems.push(
      `activityRetentionDays: "${text(params.activityRetentionDays)}" must be whole days from 1 to 3653`,
    );
  return problems;
}

/** @param {string} value */
function isJsonArray(value) {
  try {
    return Array.isArray(JSON.parse(value));
  } catch {
    return false;
  }
}

/** @param {string} value */
function isHttpsUrl(value) {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}
