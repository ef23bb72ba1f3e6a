import type { accessRequestEnvironmentSchema } from '../../access-request-config.js';
import type { activityEnvironmentSchema } from '../../activity-config.js';
import type { environmentSchema } from '../../config.js';

/** Every variable the configuration schemas read. */
export type ConfigVariable =
  | keyof typeof environmentSchema.shape
  | keyof typeof accessRequestEnvironmentSchema.shape
  | keyof typeof activityEnvironmentSchema.shape;

/**
 * What each configuration variable means, as a person reads it: the reference
 * (docs/reference/configuration.md) joins these rows with what the schemas accept, and
 * refuses to render while a variable of the schemas has no row here.
 */
export const CONFIGURATION_ROWS: readonly {
  variables: readonly ConfigVariable[];
  default: string;
  meaning: string;
}[] = [
  {
    variables: ['AWS_REGION'],
    default: '`us-east-1`',
    meaning: 'region of the SDK clients',
  },
  {
    variables: ['CREDVEND_ENTITLEMENTS_TABLE'],
    default: '`credvend-entitlements`',
    meaning: 'entitlements table',
  },
  {
    variables: ['CREDVEND_AUDIT_TABLE'],
    default: '`credvend-audit`',
    meaning: 'audit table',
  },
  {
    variables: ['CREDVEND_REVIEWS_TABLE'],
    default: '`credvend-reviews`',
    meaning: 'access reviews table (admin and reviews functions)',
  },
  {
    variables: ['CREDVEND_DYNAMODB_ENDPOINT'],
    default: 'AWS',
    meaning: 'DynamoDB endpoint (DynamoDB Local)',
  },
  {
    variables: ['CREDVEND_STS_ENDPOINT'],
    default: 'AWS',
    meaning: 'STS endpoint (moto)',
  },
  {
    variables: ['CREDVEND_OIDC_ISSUER'],
    default: 'none: OIDC off',
    meaning: 'accepted token issuer',
  },
  {
    variables: ['CREDVEND_OIDC_AUDIENCE'],
    default: '`credvend`',
    meaning: 'required `aud`',
  },
  {
    variables: ['CREDVEND_OIDC_JWKS_URI'],
    default: 'discovered',
    meaning: "JWKS location; otherwise from the issuer's `/.well-known/openid-configuration`",
  },
  {
    variables: ['CREDVEND_OIDC_ALGORITHMS'],
    default: '`RS256,ES256`',
    meaning: 'allow-list; only asymmetric algorithms are accepted',
  },
  {
    variables: ['CREDVEND_OIDC_NAME_CLAIM'],
    default: '`email`',
    meaning:
      "claim shown as the caller's name (RoleSessionName where it fits, the `credvend-caller` tag, audit `callerName`); `email` only when `email_verified` is `true`; falls back to `sub`; never the identity",
  },
  {
    variables: ['CREDVEND_OIDC_CLOCK_TOLERANCE_SECONDS'],
    default: '`30`',
    meaning: 'clock skew allowed on `exp`/`nbf`',
  },
  {
    variables: [
      'CREDVEND_OIDC_REQUIRED_TYP',
      'CREDVEND_OIDC_AUTHORIZED_PARTY',
      'CREDVEND_OIDC_MAX_TOKEN_AGE_SECONDS',
    ],
    default: 'none',
    meaning:
      'optional checks: the JOSE `typ` header, the `azp` claim, the age by `iat` (also `requiredTyp`, `authorizedParty`, `maxTokenAgeSeconds` per entry of `CREDVEND_OIDC_ISSUERS`)',
  },
  {
    variables: ['CREDVEND_OIDC_KEY_REFRESH_SECONDS'],
    default: '`60`',
    meaning:
      "a key removed from the issuer's JWKS stops being accepted within this time (`keyRefreshSeconds` per issuer entry)",
  },
  {
    variables: ['CREDVEND_AWS_AUTH_KEY_RATE_LIMIT', 'CREDVEND_AWS_AUTH_SOURCE_RATE_LIMIT'],
    default: '`60/60`, `300/60`',
    meaning:
      'unverified `CredvendAWS` attempts per claimed access key id and per source address, counted before anything is forwarded to STS; `off` disables',
  },
  {
    variables: ['CREDVEND_SERVER_ID'],
    default: 'none: AWS callers off',
    meaning: 'what AWS callers sign into `X-Credvend-Server-ID`',
  },
  {
    variables: ['CREDVEND_ROLE_CHAINING'],
    default: '`auto`',
    meaning: 'cap sessions at 1 h; `auto` = on in Lambda unless the vending identity is the user',
  },
  {
    variables: ['CREDVEND_VENDING_IDENTITY', 'CREDVEND_VENDING_KEY_SECRET'],
    default: '`role`, none',
    meaning: '`user`: AssumeRole is signed with the key in that secret (ARN or name; required with `user`)',
  },
  {
    variables: ['CREDVEND_VENDING_KEY_TTL_SECONDS'],
    default: '`300`',
    meaning: 'how long a container uses the key it read before reading the secret again (10–3600)',
  },
  {
    variables: ['CREDVEND_VENDING_USER_NAME', 'CREDVEND_SECRETS_MANAGER_ENDPOINT'],
    default: 'none, AWS',
    meaning: "the rotation function's user; Secrets Manager endpoint of every secret read (moto)",
  },
  {
    variables: ['CREDVEND_AUDITORS', 'CREDVEND_ADMINS'],
    default: 'none',
    meaning:
      'people holding each role (`iss#sub`; IAM role, user or root ARN; no session ARN), compared by identity key as authentication derives it; the roles are separate on purpose',
  },
  {
    variables: ['CREDVEND_FEDERATED_SESSION_ROLES'],
    default: 'none',
    meaning:
      'path-less role ARNs (a name may end in `*`, e.g. `arn:aws:iam::<account>:role/AWSReservedSSO_*`) whose session names a trusted federation sets: their callers are role + session name everywhere, lists name their session ARNs, the bare role is refused',
  },
  {
    variables: ['CREDVEND_OIDC_ISSUERS'],
    default: 'none',
    meaning: 'further issuers, a JSON array (see "Several issuers")',
  },
  {
    variables: ['CREDVEND_PORTAL_CLIENT_ID', 'CREDVEND_PORTAL_RESOURCE'],
    default: '`credvend-portal`, none',
    meaning: "the portal's OIDC public client, and the resource indicator it asks tokens for",
  },
  {
    variables: ['CREDVEND_GROUPS_CLAIM', 'CREDVEND_AUDITOR_GROUPS', 'CREDVEND_ADMIN_GROUPS'],
    default: '`groups`, none, none',
    meaning:
      "`CREDVEND_OIDC_ISSUER`'s groups claim (an array of strings: group subjects and the roles); groups holding each role, bare for that issuer's, `<issuer>#<group>` for another's",
  },
  {
    variables: ['CREDVEND_ADMIN_SLICES'],
    default: 'none',
    meaning:
      'pipelines that administer one slice each (ids and accounts), a JSON array (see the GitOps recipe, docs/guides/gitops.md)',
  },
  {
    variables: ['CREDVEND_CALLER_RATE_LIMIT', 'CREDVEND_ENTITLEMENT_RATE_LIMIT'],
    default: '`60/60`, `600/60`',
    meaning: 'quotas, `<count>/<seconds>` or `off`',
  },
  {
    variables: ['CREDVEND_RATE_LIMITS_TABLE', 'CREDVEND_IDEMPOTENCY_TABLE'],
    default: '`credvend-ratelimits`, `credvend-idempotency`',
    meaning: 'quota counters; idempotency keys',
  },
  {
    variables: ['CREDVEND_IDEMPOTENCY_SECRET_ID'],
    default: 'none: Idempotency-Key refused',
    meaning:
      'Secrets Manager secret (ARN or name) whose value (≥ 32 characters) seals idempotent replays; read at run time, unreadable: 503 `secret-unavailable`',
  },
  {
    variables: ['CREDVEND_CURSOR_SECRET_ID'],
    default: 'none: a key per process',
    meaning:
      'secret (ARN or name, value ≥ 32 characters) keying audit page cursors; set it when more than one process serves the audit API',
  },
  {
    variables: ['CREDVEND_SECRET_TTL_SECONDS'],
    default: '`300`',
    meaning:
      'how long a container uses a secret value it read (10–3600): a rotated value is in use everywhere within it (docs/operations/secrets.md)',
  },
  {
    variables: ['CREDVEND_REVOKER_ROLE_NAME', 'CREDVEND_IAM_ENDPOINT'],
    default: 'none: revocations printed, AWS',
    meaning: 'role assumed in target accounts to write revocations',
  },
  {
    variables: ['CREDVEND_FEDERATION_ENDPOINT'],
    default: '`https://signin.aws.amazon.com/federation`',
    meaning: 'console sign-in',
  },
  {
    variables: ['CREDVEND_CONSOLE_DESTINATION', 'CREDVEND_CONSOLE_ISSUER'],
    default: 'console home, `credvend`',
    meaning: 'console sign-in URL parts',
  },
  {
    variables: ['CREDVEND_ACCESS_REQUESTS_TABLE', 'CREDVEND_REQUESTABLES_TABLE'],
    default: '`credvend-access-requests`, `credvend-requestables`',
    meaning: 'just-in-time access tables',
  },
  {
    variables: ['CREDVEND_SLACK_TOKEN_SECRET_ID', 'CREDVEND_SLACK_CHANNEL', 'CREDVEND_SLACK_API_URL'],
    default: 'none: off, none, `https://slack.com/api/`',
    meaning: 'Slack notifications: the secret holding the bot token, the channel',
  },
  {
    variables: [
      'CREDVEND_SLACK_SIGNING_SECRET_ID',
      'CREDVEND_SLACK_TEAM_ID',
      'CREDVEND_SLACK_APP_ID',
      'CREDVEND_SLACK_USERS',
    ],
    default: 'none: Slack interactions refused',
    meaning:
      "the secret holding Slack's signing secret (verifies interactive payloads), the workspace (`T…`) and app (`A…`) they must come from, required with it; `SLACKUSERID=principal,…`",
  },
  {
    variables: ['CREDVEND_WEBHOOK_URL', 'CREDVEND_WEBHOOK_SECRET_ID'],
    default: 'none: off',
    meaning: 'signed webhook notifications; the secret holding the HMAC key (≥ 32 characters)',
  },
  {
    variables: ['CREDVEND_NOTIFY_SNS_TOPIC_ARN', 'CREDVEND_SNS_ENDPOINT'],
    default: 'none: off, AWS',
    meaning: 'publish every notice to an SNS topic (the webhook JSON; attributes `type`, `urgent`)',
  },
  {
    variables: ['CREDVEND_NOTIFY_EMAIL_FROM', 'CREDVEND_NOTIFY_EMAIL_TO', 'CREDVEND_SES_ENDPOINT'],
    default: 'none: off, none, AWS',
    meaning: 'mail every notice as plain text through Amazon SES: a verified sender, a comma-separated list',
  },
  {
    variables: ['CREDVEND_TEAMS_WEBHOOK_URL_SECRET_ID'],
    default: 'none: off',
    meaning:
      'the secret holding a Microsoft Teams webhook or Workflows URL (https); every notice posted there as an Adaptive Card',
  },
  {
    variables: [
      'CREDVEND_PAGERDUTY_TOKEN_SECRET_ID',
      'CREDVEND_PAGERDUTY_API_URL',
      'CREDVEND_OPSGENIE_KEY_SECRET_ID',
      'CREDVEND_OPSGENIE_API_URL',
      'CREDVEND_ONCALL_TIMEOUT_MS',
    ],
    default: 'none: off, `https://api.pagerduty.com/`, none: off, `https://api.opsgenie.com/`, `3000`',
    meaning:
      "on-call approval: the secret holding a PagerDuty REST API key, PagerDuty's API, the secret holding an Opsgenie API key, Opsgenie's API (EU: `https://api.eu.opsgenie.com/`), and how long a lookup may take before the request goes to the approvers",
  },
  {
    variables: ['CREDVEND_PORTAL_URL'],
    default: 'none: no link',
    meaning: "the portal's public base URL, linked from mail and Teams notices",
  },
  {
    variables: ['CREDVEND_NOTIFY_ATTEMPTS', 'CREDVEND_NOTIFY_BACKOFF_MS', 'CREDVEND_NOTIFY_TIMEOUT_MS'],
    default: '`3`, `250`, `2000`',
    meaning: 'notification retries',
  },
  {
    variables: ['CREDVEND_ACTIVITY_TABLE', 'CREDVEND_ACTIVITY_RETENTION_DAYS'],
    default: 'none: activity off, `400`',
    meaning: 'CloudTrail activity of issued sessions: its table, and how many days a record is kept',
  },
  {
    variables: ['CREDVEND_CLOUDTRAIL_PREFIX'],
    default: 'empty: every key',
    meaning:
      "only CloudTrail log files under this key prefix are read (an organization trail's `AWSLogs/o-…/`)",
  },
  {
    variables: ['CREDVEND_LOG_LEVEL'],
    default: '`info`',
    meaning: '`debug`…`silent`; logs are JSON lines without secrets',
  },
  {
    variables: ['CREDVEND_DIGEST_BUCKET', 'CREDVEND_DIGEST_PREFIX'],
    default: 'none: verify checks chain links only, `digests/`',
    meaning: 'where signed digests are',
  },
  {
    variables: ['CREDVEND_DIGEST_KEY_ID', 'CREDVEND_DIGEST_SIGNING_ALGORITHM'],
    default: 'none, `ECDSA_SHA_256`',
    meaning: 'the asymmetric KMS key that signs them (`RSASSA_PSS_SHA_256` for an RSA key)',
  },
  {
    variables: ['CREDVEND_DIGEST_PUBLIC_KEY'],
    default: 'fetched with `kms:GetPublicKey`',
    meaning: 'pin the public key verify trusts (PEM or base64 DER)',
  },
  {
    variables: ['CREDVEND_DIGEST_SETTLE_SECONDS', 'CREDVEND_DIGEST_INTERVAL_SECONDS'],
    default: '`60`, `300`',
    meaning:
      "how far behind now a digest window ends; the local timer's period (deployed: the `digestSchedule` param)",
  },
  {
    variables: ['CREDVEND_AUDIT_HOT_DAYS', 'CREDVEND_AUDIT_EXPORT_PREFIX'],
    default: 'unset (deployed: the `auditHotDays` param, 90), `exports/`',
    meaning:
      'days an audit record stays in the table (TTL) before only its export in the digest bucket holds it; needs CREDVEND_DIGEST_BUCKET. Unset: records never expire, nothing is exported',
  },
  {
    variables: ['CREDVEND_EVENT_BUS', 'CREDVEND_EVENT_SOURCE'],
    default: '`default`, `credvend`',
    meaning: 'where audit events go',
  },
  {
    variables: ['CREDVEND_KMS_ENDPOINT', 'CREDVEND_S3_ENDPOINT', 'CREDVEND_EVENTS_ENDPOINT'],
    default: 'AWS',
    meaning: 'emulator endpoints (moto)',
  },
  {
    variables: ['AWS_LAMBDA_FUNCTION_NAME'],
    default: 'set by Lambda',
    meaning: 'running in Lambda: `CREDVEND_ROLE_CHAINING=auto` caps sessions at 1 h',
  },
];
