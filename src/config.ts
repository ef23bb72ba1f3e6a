import { type AccessRequestConfig, loadAccessRequestConfig } from './access-request-config.js';
import { type ActivityConfig, loadActivityConfig } from './activity-config.js';
import { parseAdminSlices } from './admin-slices-config.js';
import {
  type IdentityRules,
  identitiesOfListed,
  isFederatedRolePattern,
} from './domain/identity/principal-names.js';
import type { RoleAssignments } from './domain/identity/roles.js';
import type { LogLevel } from './logging.js';
import { secretIdSchema, secretValueProblems } from './secret-settings.js';
import * as z from './zod-mini.js';

const csv = z.pipe(
  z.string(),
  z.transform((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0),
  ),
);

/** `<count>/<seconds>`, e.g. `60/60`, or `off`. */
const rateLimit = z.pipe(
  z.string().check(z.regex(/^(off|\d{1,7}\/\d{1,6})$/, 'a rate limit is <count>/<seconds> or off')),
  z.transform((value) => {
    // null, not undefined: zod's .default() would replace an undefined result.
    if (value === 'off') return null;
    const [limit, windowSeconds] = value.split('/').map(Number);
    return { limit: limit ?? 0, windowSeconds: windowSeconds ?? 1 };
  }),
);

export const environmentSchema = z.object({
  AWS_REGION: z._default(z.string().check(z.minLength(1)), 'us-east-1'),
  CREDVEND_ENTITLEMENTS_TABLE: z._default(z.string().check(z.minLength(3)), 'credvend-entitlements'),
  CREDVEND_AUDIT_TABLE: z._default(z.string().check(z.minLength(3)), 'credvend-audit'),
  CREDVEND_RATE_LIMITS_TABLE: z._default(z.string().check(z.minLength(3)), 'credvend-ratelimits'),
  CREDVEND_IDEMPOTENCY_TABLE: z._default(z.string().check(z.minLength(3)), 'credvend-idempotency'),
  CREDVEND_REVIEWS_TABLE: z._default(z.string().check(z.minLength(3)), 'credvend-reviews'),
  // Secrets Manager secrets (ARN or name), read at run time; never a value in the environment.
  // Seals idempotent replays (a value of at least 32 characters); unset, Idempotency-Key is refused.
  CREDVEND_IDEMPOTENCY_SECRET_ID: z.optional(secretIdSchema),
  // MACs audit page cursors (at least 32 characters); unset, each process draws its own key.
  CREDVEND_CURSOR_SECRET_ID: z.optional(secretIdSchema),
  // How long a container uses a secret value it read: a rotation is in use within this bound.
  CREDVEND_SECRET_TTL_SECONDS: z._default(
    z.coerce.number().check(z.int(), z.minimum(10), z.maximum(3600)),
    300,
  ),
  CREDVEND_AWS_AUTH_KEY_RATE_LIMIT: z._default(rateLimit, { limit: 60, windowSeconds: 60 }),
  CREDVEND_AWS_AUTH_SOURCE_RATE_LIMIT: z._default(rateLimit, { limit: 300, windowSeconds: 60 }),
  CREDVEND_CALLER_RATE_LIMIT: z._default(rateLimit, { limit: 60, windowSeconds: 60 }),
  CREDVEND_ENTITLEMENT_RATE_LIMIT: z._default(rateLimit, { limit: 600, windowSeconds: 60 }),
  CREDVEND_DYNAMODB_ENDPOINT: z.optional(z.url()),
  CREDVEND_STS_ENDPOINT: z.optional(z.url()),
  // `|` delimits subject keys and `#` the `iss#sub` of role assignments: neither may be in an issuer.
  CREDVEND_OIDC_ISSUER: z.optional(
    z.url().check(z.refine((issuer) => !/[|#]/.test(issuer), 'an issuer must not contain | or #')),
  ),
  CREDVEND_OIDC_AUDIENCE: z._default(z.string().check(z.minLength(1)), 'credvend'),
  CREDVEND_OIDC_JWKS_URI: z.optional(z.url()),
  CREDVEND_OIDC_ALGORITHMS: z._default(csv, ['RS256', 'ES256']),
  CREDVEND_OIDC_NAME_CLAIM: z._default(z.string().check(z.minLength(1)), 'email'),
  CREDVEND_OIDC_CLOCK_TOLERANCE_SECONDS: z._default(
    z.coerce.number().check(z.int(), z.minimum(0), z.maximum(300)),
    30,
  ),
  CREDVEND_OIDC_REQUIRED_TYP: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  CREDVEND_OIDC_AUTHORIZED_PARTY: z.optional(z.string().check(z.minLength(1), z.maxLength(512))),
  CREDVEND_OIDC_MAX_TOKEN_AGE_SECONDS: z.optional(z.coerce.number().check(z.int(), z.minimum(1))),
  // A key removed from the JWKS stops being accepted within this many seconds.
  CREDVEND_OIDC_KEY_REFRESH_SECONDS: z._default(
    z.coerce.number().check(z.int(), z.minimum(2), z.maximum(3600)),
    60,
  ),
  CREDVEND_OIDC_ISSUERS: z.optional(z.string()),
  CREDVEND_PORTAL_CLIENT_ID: z._default(z.string().check(z.regex(/^[\w.:-]{1,128}$/)), 'credvend-portal'),
  CREDVEND_PORTAL_RESOURCE: z.optional(z.string().check(z.maxLength(512))),
  CREDVEND_ROLE_CHAINING: z._default(z.enum(['auto', 'true', 'false']), 'auto'),
  // Who calls AssumeRole: the function's own role (role chaining, 1 h) or an IAM user whose
  // rotated access keys are read from a Secrets Manager secret (not chaining, up to 12 h).
  CREDVEND_VENDING_IDENTITY: z._default(z.enum(['role', 'user']), 'role'),
  CREDVEND_VENDING_KEY_SECRET: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
  // How long a container trusts the key it read; far below the rotation interval, during
  // which the previous key stays valid (docs/operations/deploy.md: Sessions longer than an hour).
  CREDVEND_VENDING_KEY_TTL_SECONDS: z._default(
    z.coerce.number().check(z.int(), z.minimum(10), z.maximum(3600)),
    300,
  ),
  CREDVEND_SECRETS_MANAGER_ENDPOINT: z.optional(z.url()),
  // Only the rotation function needs it: whose keys it creates and deletes.
  CREDVEND_VENDING_USER_NAME: z.optional(z.string().check(z.regex(/^[\w+=,.@-]{1,64}$/))),
  CREDVEND_SERVER_ID: z.optional(
    z
      .string()
      .check(z.minLength(8), z.maxLength(256), z.regex(/^[\x21-\x7e]+$/, 'printable ASCII, no spaces')),
  ),
  CREDVEND_FEDERATION_ENDPOINT: z._default(z.url(), 'https://signin.aws.amazon.com/federation'),
  CREDVEND_CONSOLE_DESTINATION: z._default(z.url(), 'https://console.aws.amazon.com/'),
  CREDVEND_CONSOLE_ISSUER: z._default(z.string().check(z.minLength(1), z.maxLength(256)), 'credvend'),
  // Role credvend assumes in a target account to write revocations; empty: print them instead.
  CREDVEND_REVOKER_ROLE_NAME: z.optional(z.string().check(z.regex(/^[\w+=,.@-]{0,64}$/))),
  CREDVEND_IAM_ENDPOINT: z.optional(z.url()),
  // People by `iss#sub` or AWS role/user/root ARN; session ARNs only of federated session roles.
  CREDVEND_AUDITORS: z._default(csv, []),
  CREDVEND_ADMINS: z._default(csv, []),
  // Role ARNs (path-less, a name may end in *) whose session names a trusted federation sets,
  // e.g. IAM Identity Center's arn:aws:iam::<account>:role/AWSReservedSSO_*: identity = role + session.
  CREDVEND_FEDERATED_SESSION_ROLES: z._default(
    csv.check(
      z.refine(
        (patterns) => patterns.every(isFederatedRolePattern),
        'path-less role ARNs, e.g. arn:aws:iam::123456789012:role/AWSReservedSSO_*',
      ),
    ),
    [],
  ),
  CREDVEND_GROUPS_CLAIM: z._default(z.string().check(z.minLength(1)), 'groups'),
  CREDVEND_AUDITOR_GROUPS: z._default(csv, []),
  CREDVEND_ADMIN_GROUPS: z._default(csv, []),
  // Pipelines that administer one slice each (roles.ts: AdminSlice), a JSON array.
  CREDVEND_ADMIN_SLICES: z.optional(z.string()),
  // Signed audit digests (S3 + an asymmetric KMS key); no bucket: verification checks chain links only.
  CREDVEND_DIGEST_BUCKET: z.optional(z.string().check(z.minLength(3))),
  CREDVEND_DIGEST_PREFIX: z._default(
    z.string().check(z.regex(/^([\w.-]+\/)*$/, 'a key prefix ending in /')),
    'digests/',
  ),
  CREDVEND_DIGEST_KEY_ID: z.optional(z.string().check(z.minLength(1))),
  CREDVEND_DIGEST_SIGNING_ALGORITHM: z._default(
    z.enum(['ECDSA_SHA_256', 'RSASSA_PSS_SHA_256']),
    'ECDSA_SHA_256',
  ),
  CREDVEND_DIGEST_PUBLIC_KEY: z.optional(z.string().check(z.minLength(1))),
  CREDVEND_DIGEST_SETTLE_SECONDS: z._default(
    z.coerce.number().check(z.int(), z.minimum(0), z.maximum(3600)),
    60,
  ),
  CREDVEND_DIGEST_INTERVAL_SECONDS: z._default(
    z.coerce.number().check(z.int(), z.minimum(1), z.maximum(86_400)),
    300,
  ),
  // The hot window: days an audit record stays in the table (TTL) before only its export in the
  // digest bucket holds it. Unset: records never expire and nothing is exported.
  CREDVEND_AUDIT_HOT_DAYS: z.optional(z.coerce.number().check(z.int(), z.minimum(14), z.maximum(3650))),
  CREDVEND_AUDIT_EXPORT_PREFIX: z._default(
    z.string().check(z.regex(/^([\w.-]+\/)+$/, 'a key prefix ending in /')),
    'exports/',
  ),
  CREDVEND_KMS_ENDPOINT: z.optional(z.url()),
  CREDVEND_S3_ENDPOINT: z.optional(z.url()),
  CREDVEND_EVENTS_ENDPOINT: z.optional(z.url()),
  CREDVEND_EVENT_BUS: z._default(z.string().check(z.minLength(1)), 'default'),
  CREDVEND_EVENT_SOURCE: z._default(z.string().check(z.minLength(1), z.maxLength(256)), 'credvend'),
  CREDVEND_LOG_LEVEL: z._default(z.enum(['debug', 'info', 'warn', 'error', 'silent']), 'info'),
  AWS_LAMBDA_FUNCTION_NAME: z.optional(z.string()),
});

const ASYMMETRIC_ALGORITHMS = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]);

export interface OidcConfig {
  issuer: string;
  audience: string;
  jwksUri?: string;
  algorithms: string[];
  nameClaim: string;
  /** Absent: this issuer's tokens match no group subject. */
  groupsClaim?: string;
  clockToleranceSeconds: number;
  requiredTyp?: string;
  authorizedParty?: string;
  maxTokenAgeSeconds?: number;
  keyRefreshSeconds: number;
}

/**
 * One entry of CREDVEND_OIDC_ISSUERS (a JSON array): further issuers beside
 * CREDVEND_OIDC_ISSUER, each with its own audience, algorithms and claim names.
 */
const issuerEntrySchema = z.strictObject({
  issuer: z.url().check(z.refine((issuer) => !/[|#]/.test(issuer), 'an issuer must not contain | or #')),
  audience: z._default(z.string().check(z.minLength(1)), 'credvend'),
  jwksUri: z.optional(z.url()),
  algorithms: z._default(z.array(z.string()).check(z.minLength(1)), ['RS256', 'ES256']),
  nameClaim: z._default(z.string().check(z.minLength(1)), 'sub'),
  groupsClaim: z.optional(z.string().check(z.minLength(1))),
  clockToleranceSeconds: z._default(z.number().check(z.int(), z.minimum(0), z.maximum(300)), 30),
  requiredTyp: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  authorizedParty: z.optional(z.string().check(z.minLength(1), z.maxLength(512))),
  maxTokenAgeSeconds: z.optional(z.number().check(z.int(), z.minimum(1))),
  keyRefreshSeconds: z._default(z.number().check(z.int(), z.minimum(2), z.maximum(3600)), 60),
});

function parseIssuers(text: string | undefined): OidcConfig[] {
  if (text === undefined) return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError('invalid configuration: CREDVEND_OIDC_ISSUERS is not JSON');
  }
  const result = z.array(issuerEntrySchema).check(z.maxLength(20)).safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: CREDVEND_OIDC_ISSUERS: ${problems}`);
  }
  return result.data.map(
    ({ jwksUri, groupsClaim, requiredTyp, authorizedParty, maxTokenAgeSeconds, ...rest }) => ({
      ...rest,
      ...(jwksUri ? { jwksUri } : {}),
      ...(groupsClaim ? { groupsClaim } : {}),
      ...(requiredTyp ? { requiredTyp } : {}),
      ...(authorizedParty ? { authorizedParty } : {}),
      ...(maxTokenAgeSeconds !== undefined ? { maxTokenAgeSeconds } : {}),
    }),
  );
}

function checkAlgorithms(issuers: readonly OidcConfig[]): void {
  for (const { issuer, algorithms } of issuers) {
    const bad = algorithms.filter((alg) => !ASYMMETRIC_ALGORITHMS.has(alg));
    if (bad.length > 0) {
      throw new ConfigError(
        `invalid configuration: OIDC issuer ${issuer} allows only asymmetric algorithms, not ${bad.join(', ')}`,
      );
    }
  }
  const seen = new Set<string>();
  for (const { issuer } of issuers) {
    if (seen.has(issuer))
      throw new ConfigError(`invalid configuration: OIDC issuer ${issuer} is configured twice`);
    seen.add(issuer);
  }
}

export interface Config {
  region: string;
  tables: { entitlements: string; audit: string; rateLimits: string; idempotency: string; reviews: string };
  revocation?: { revokerRoleName: string; iamEndpoint?: string };
  /** The secret (ARN or name) keying audit cursor MACs; absent, each process draws its own key. */
  cursorSecretId?: string;
  /** The secret (ARN or name) sealing idempotent replays; absent, Idempotency-Key is refused. */
  idempotencySecretId?: string;
  /** Secrets Manager: how long a read value is used, and the endpoint (local stack). */
  secrets: SecretsConfig;
  rateLimits: {
    caller?: { limit: number; windowSeconds: number };
    entitlement?: { limit: number; windowSeconds: number };
  };
  dynamodbEndpoint?: string;
  stsEndpoint?: string;
  /** Accepted OIDC issuers; empty, OIDC is off. */
  oidcIssuers: OidcConfig[];
  /** Signed GetCallerIdentity auth for AWS callers: on when a server id is configured. */
  awsAuth?: {
    serverId: string;
    stsEndpoint: string;
    /** Unverified attempts per claimed key id and per source, before forwarding; absent: off. */
    attemptLimits: {
      perKey?: { limit: number; windowSeconds: number };
      perSource?: { limit: number; windowSeconds: number };
    };
  };
  roleChaining: boolean;
  /** The IAM user that calls AssumeRole instead of the function's role; absent: the role. */
  vendingUser?: VendingUserConfig;
  console: { endpoint: string; destination: string; issuer: string };
  roles: RoleAssignments;
  /** How AWS callers are named: which roles' session names a trusted federation sets. */
  identity: IdentityRules;
  /** Signed digests: where they are, which key signs them, how they are verified. */
  digests?: DigestConfig;
  /** The audit's hot window and where records past it are exported (the digest bucket). */
  auditRetention?: AuditRetentionConfig;
  /** The audit event stream (EventBridge). */
  events: { busName: string; source: string; endpoint?: string };
  kmsEndpoint?: string;
  logLevel: LogLevel;
  /** Just-in-time access: its tables, notification sinks and Slack settings. */
  accessRequests: AccessRequestConfig;
  /** CloudTrail activity of issued sessions; undefined: off. */
  activity?: ActivityConfig;
  /** The web portal's public OIDC client (code + PKCE against the first issuer). */
  portal: PortalConfig;
}

export interface SecretsConfig {
  /** A value read is used at most this long; a rotated value is in use within it. */
  ttlSeconds: number;
  endpoint?: string;
}

export interface VendingUserConfig {
  /** The Secrets Manager secret (ARN or name) whose AWSCURRENT version holds the user's key. */
  secretId: string;
  keyTtlSeconds: number;
  /** The IAM user whose keys the rotation function manages. */
  userName?: string;
  iamEndpoint?: string;
}

export interface PortalConfig {
  clientId: string;
  /** RFC 8707 resource indicator the IdP needs to mint an access token for credvend, if any. */
  resource?: string;
}

export interface DigestConfig {
  bucket: string;
  prefix: string;
  /** Only the digest writer needs it to sign; verifiers use it to fetch the public key. */
  keyId?: string;
  algorithm: 'ECDSA_SHA_256' | 'RSASSA_PSS_SHA_256';
  /** A pinned public key (PEM or base64 DER); otherwise fetched with kms:GetPublicKey. */
  publicKey?: string;
  settleSeconds: number;
  intervalSeconds: number;
  s3Endpoint?: string;
}

export interface AuditRetentionConfig {
  hotDays: number;
  /** Key prefix of the exports in the digest bucket. */
  exportPrefix: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the process environment once, at the edge; nothing deeper reads process.env. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // A deploy parameter left blank arrives as ''; for an optional setting that means unset.
  const present = Object.fromEntries(
    Object.entries(env).filter(([name, value]) => !(name.startsWith('CREDVEND_') && value === '')),
  );
  const valueProblems = secretValueProblems(present);
  if (valueProblems.length > 0) throw new ConfigError(`invalid configuration: ${valueProblems.join('; ')}`);
  const result = environmentSchema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  const e = result.data;
  const identity: IdentityRules = { federatedSessionRoles: e.CREDVEND_FEDERATED_SESSION_ROLES };
  const config: Config = {
    region: e.AWS_REGION,
    tables: {
      entitlements: e.CREDVEND_ENTITLEMENTS_TABLE,
      audit: e.CREDVEND_AUDIT_TABLE,
      rateLimits: e.CREDVEND_RATE_LIMITS_TABLE,
      idempotency: e.CREDVEND_IDEMPOTENCY_TABLE,
      reviews: e.CREDVEND_REVIEWS_TABLE,
    },
    oidcIssuers: parseIssuers(e.CREDVEND_OIDC_ISSUERS),
    portal: {
      clientId: e.CREDVEND_PORTAL_CLIENT_ID,
      ...(e.CREDVEND_PORTAL_RESOURCE ? { resource: e.CREDVEND_PORTAL_RESOURCE } : {}),
    },
    rateLimits: {
      ...(e.CREDVEND_CALLER_RATE_LIMIT ? { caller: e.CREDVEND_CALLER_RATE_LIMIT } : {}),
      ...(e.CREDVEND_ENTITLEMENT_RATE_LIMIT ? { entitlement: e.CREDVEND_ENTITLEMENT_RATE_LIMIT } : {}),
    },
    // In Lambda credvend runs as a role session, so every AssumeRole is role chaining,
    // unless an IAM user's long-term keys make the call.
    roleChaining:
      e.CREDVEND_ROLE_CHAINING === 'auto'
        ? e.AWS_LAMBDA_FUNCTION_NAME !== undefined && e.CREDVEND_VENDING_IDENTITY === 'role'
        : e.CREDVEND_ROLE_CHAINING === 'true',
    console: {
      endpoint: e.CREDVEND_FEDERATION_ENDPOINT,
      destination: e.CREDVEND_CONSOLE_DESTINATION,
      issuer: e.CREDVEND_CONSOLE_ISSUER,
    },
    identity,
    roles: {
      auditorKeys: peopleKeys('CREDVEND_AUDITORS', e.CREDVEND_AUDITORS, identity),
      adminKeys: peopleKeys('CREDVEND_ADMINS', e.CREDVEND_ADMINS, identity),
      ...(e.CREDVEND_OIDC_ISSUER ? { groupIssuer: e.CREDVEND_OIDC_ISSUER } : {}),
      auditorGroups: e.CREDVEND_AUDITOR_GROUPS,
      adminGroups: e.CREDVEND_ADMIN_GROUPS,
    },
    events: {
      busName: e.CREDVEND_EVENT_BUS,
      source: e.CREDVEND_EVENT_SOURCE,
      ...(e.CREDVEND_EVENTS_ENDPOINT ? { endpoint: e.CREDVEND_EVENTS_ENDPOINT } : {}),
    },
    logLevel: e.CREDVEND_LOG_LEVEL,
    secrets: {
      ttlSeconds: e.CREDVEND_SECRET_TTL_SECONDS,
      ...(e.CREDVEND_SECRETS_MANAGER_ENDPOINT ? { endpoint: e.CREDVEND_SECRETS_MANAGER_ENDPOINT } : {}),
    },
    accessRequests: loadAccessRequestConfig(present, identity),
  };
  const activity = loadActivityConfig(present);
  if (activity) config.activity = activity;
  const vendingUser = vendingUserOf(e);
  if (vendingUser) config.vendingUser = vendingUser;
  if (e.CREDVEND_KMS_ENDPOINT) config.kmsEndpoint = e.CREDVEND_KMS_ENDPOINT;
  if (e.CREDVEND_DIGEST_BUCKET) {
    config.digests = {
      bucket: e.CREDVEND_DIGEST_BUCKET,
      prefix: e.CREDVEND_DIGEST_PREFIX,
      algorithm: e.CREDVEND_DIGEST_SIGNING_ALGORITHM,
      settleSeconds: e.CREDVEND_DIGEST_SETTLE_SECONDS,
      intervalSeconds: e.CREDVEND_DIGEST_INTERVAL_SECONDS,
      ...(e.CREDVEND_DIGEST_KEY_ID ? { keyId: e.CREDVEND_DIGEST_KEY_ID } : {}),
      ...(e.CREDVEND_DIGEST_PUBLIC_KEY ? { publicKey: e.CREDVEND_DIGEST_PUBLIC_KEY } : {}),
      ...(e.CREDVEND_S3_ENDPOINT ? { s3Endpoint: e.CREDVEND_S3_ENDPOINT } : {}),
    };
  }
  if (e.CREDVEND_AUDIT_HOT_DAYS !== undefined) {
    // A TTL without an export would delete the audit: the export goes to the digest bucket.
    if (!config.digests)
      throw new ConfigError(
        'invalid configuration: CREDVEND_AUDIT_HOT_DAYS needs CREDVEND_DIGEST_BUCKET (records past the hot window are exported there)',
      );
    if (e.CREDVEND_AUDIT_EXPORT_PREFIX === config.digests.prefix)
      throw new ConfigError(
        'invalid configuration: CREDVEND_AUDIT_EXPORT_PREFIX must differ from the digest prefix',
      );
    config.auditRetention = {
      hotDays: e.CREDVEND_AUDIT_HOT_DAYS,
      exportPrefix: e.CREDVEND_AUDIT_EXPORT_PREFIX,
    };
  }
  if (e.CREDVEND_DYNAMODB_ENDPOINT) config.dynamodbEndpoint = e.CREDVEND_DYNAMODB_ENDPOINT;
  if (e.CREDVEND_STS_ENDPOINT) config.stsEndpoint = e.CREDVEND_STS_ENDPOINT;
  if (e.CREDVEND_IDEMPOTENCY_SECRET_ID) config.idempotencySecretId = e.CREDVEND_IDEMPOTENCY_SECRET_ID;
  if (e.CREDVEND_CURSOR_SECRET_ID) config.cursorSecretId = e.CREDVEND_CURSOR_SECRET_ID;
  if (e.CREDVEND_REVOKER_ROLE_NAME) {
    config.revocation = {
      revokerRoleName: e.CREDVEND_REVOKER_ROLE_NAME,
      ...(e.CREDVEND_IAM_ENDPOINT ? { iamEndpoint: e.CREDVEND_IAM_ENDPOINT } : {}),
    };
  }
  if (e.CREDVEND_SERVER_ID) {
    config.awsAuth = {
      serverId: e.CREDVEND_SERVER_ID,
      stsEndpoint: `${new URL(e.CREDVEND_STS_ENDPOINT ?? `https://sts.${e.AWS_REGION}.amazonaws.com`).origin}/`,
      attemptLimits: {
        ...(e.CREDVEND_AWS_AUTH_KEY_RATE_LIMIT ? { perKey: e.CREDVEND_AWS_AUTH_KEY_RATE_LIMIT } : {}),
        ...(e.CREDVEND_AWS_AUTH_SOURCE_RATE_LIMIT
          ? { perSource: e.CREDVEND_AWS_AUTH_SOURCE_RATE_LIMIT }
          : {}),
      },
    };
  }
  if (e.CREDVEND_OIDC_ISSUER) {
    const primary: OidcConfig = {
      issuer: e.CREDVEND_OIDC_ISSUER,
      audience: e.CREDVEND_OIDC_AUDIENCE,
      algorithms: e.CREDVEND_OIDC_ALGORITHMS,
      nameClaim: e.CREDVEND_OIDC_NAME_CLAIM,
      groupsClaim: e.CREDVEND_GROUPS_CLAIM,
      clockToleranceSeconds: e.CREDVEND_OIDC_CLOCK_TOLERANCE_SECONDS,
      keyRefreshSeconds: e.CREDVEND_OIDC_KEY_REFRESH_SECONDS,
    };
    if (e.CREDVEND_OIDC_JWKS_URI) primary.jwksUri = e.CREDVEND_OIDC_JWKS_URI;
    if (e.CREDVEND_OIDC_REQUIRED_TYP) primary.requiredTyp = e.CREDVEND_OIDC_REQUIRED_TYP;
    if (e.CREDVEND_OIDC_AUTHORIZED_PARTY) primary.authorizedParty = e.CREDVEND_OIDC_AUTHORIZED_PARTY;
    if (e.CREDVEND_OIDC_MAX_TOKEN_AGE_SECONDS !== undefined)
      primary.maxTokenAgeSeconds = e.CREDVEND_OIDC_MAX_TOKEN_AGE_SECONDS;
    config.oidcIssuers.unshift(primary);
  }
  checkAlgorithms(config.oidcIssuers);
  const slices = parseAdminSlices(
    e.CREDVEND_ADMIN_SLICES,
    config.oidcIssuers.map((i) => i.issuer),
  );
  if (slices.length > 0) config.roles = { ...config.roles, adminSlices: slices };
  return config;
}

/** A list of people as identity keys; a name that names nobody (a session ARN, say) stops the start. */
function peopleKeys(setting: string, names: readonly string[], rules: IdentityRules): string[] {
  const { keys, problems } = identitiesOfListed(names, rules);
  if (problems.length > 0) throw new ConfigError(`invalid configuration: ${setting}: ${problems.join('; ')}`);
  return keys;
}

function vendingUserOf(e: z.infer<typeof environmentSchema>): VendingUserConfig | undefined {
  if (e.CREDVEND_VENDING_IDENTITY === 'role') return undefined;
  if (!e.CREDVEND_VENDING_KEY_SECRET) {
    throw new ConfigError(
      'invalid configuration: CREDVEND_VENDING_IDENTITY is user but CREDVEND_VENDING_KEY_SECRET names no secret',
    );
  }
  return {
    secretId: e.CREDVEND_VENDING_KEY_SECRET,
    keyTtlSeconds: e.CREDVEND_VENDING_KEY_TTL_SECONDS,
    ...(e.CREDVEND_VENDING_USER_NAME ? { userName: e.CREDVEND_VENDING_USER_NAME } : {}),
    ...(e.CREDVEND_IAM_ENDPOINT ? { iamEndpoint: e.CREDVEND_IAM_ENDPOINT } : {}),
  };
}
