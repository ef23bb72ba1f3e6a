import { type IdentityRules, identityOfListed } from './domain/identity/principal-names.js';
import { secretIdSchema } from './secret-settings.js';
import * as z from './zod-mini.js';

/**
 * Settings of just-in-time access, read once from the environment at start. Kept apart
 * from the core configuration: only the access-requests function needs them.
 */
export interface AccessRequestConfig {
  tables: { requests: string; requestables: string };
  /** Slack's bot token is a Secrets Manager secret (ARN or name), read at run time. */
  slack?: { tokenSecretId: string; channel: string; apiUrl: string };
  /**
   * Slack interactive messages: the secret holding the app's signing secret, the workspace and
   * app a decision must come from (a Slack user id is a person only in its workspace, and an app
   * may be installed in several), and Slack user id → person.
   */
  slackInteractions?: {
    signingSecretId: string;
    teamId: string;
    appId: string;
    users: ReadonlyMap<string, SlackMappedPerson>;
  };
  /** The secret holding the webhook's HMAC key. */
  webhook?: { url: string; secretId: string };
  /** Amazon SNS: each notice published to one topic (subscribers filter on `type`, `urgent`). */
  sns?: { topicArn: string; endpoint?: string };
  /** Amazon SES: each notice mailed, as plain text, to a fixed list from a verified identity. */
  email?: { from: string; to: string[]; portalUrl?: string; endpoint?: string };
  /**
   * Microsoft Teams: the secret holding the incoming-webhook or Workflows URL (the URL embeds
   * its own signature, so it is a secret).
   */
  teams?: { urlSecretId: string; portalUrl?: string };
  /**
   * Paging services whose schedules requestables may name for on-call approval: each API key
   * is a secret (named here, read at run time), each lookup bounded by `timeoutMs`.
   */
  onCall: {
    pagerDuty?: { tokenSecretId: string; apiUrl: string };
    opsgenie?: { keySecretId: string; apiUrl: string };
    timeoutMs: number;
  };
  /** Attempts per sink and notice, with doubling backoff from `backoffMs`. */
  delivery: { attempts: number; backoffMs: number; timeoutMs: number };
}

/** Whom a Slack user acts as: the principal as configured and the identity key it stands for. */
export interface SlackMappedPerson {
  principal: string;
  identity: string;
}

/** An API base URL that carries a key: https, or plain http to a loopback stand-in only. */
const serviceUrl = z
  .url()
  .check(
    z.regex(
      /^(https:\/\/[^\s]+|http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\/\S*)$/,
      'an https URL (http only to 127.0.0.1, localhost or [::1])',
    ),
  );

export const accessRequestEnvironmentSchema = z.object({
  CREDVEND_ACCESS_REQUESTS_TABLE: z._default(z.string().check(z.minLength(3)), 'credvend-access-requests'),
  CREDVEND_REQUESTABLES_TABLE: z._default(z.string().check(z.minLength(3)), 'credvend-requestables'),
  CREDVEND_SLACK_TOKEN_SECRET_ID: z.optional(secretIdSchema),
  CREDVEND_SLACK_CHANNEL: z.optional(z.string().check(z.minLength(1))),
  CREDVEND_SLACK_API_URL: z._default(z.url(), 'https://slack.com/api/'),
  CREDVEND_SLACK_SIGNING_SECRET_ID: z.optional(secretIdSchema),
  // The workspace (team id, T…) and the app (api_app_id, A…) decisions must come from.
  CREDVEND_SLACK_TEAM_ID: z.optional(z.string().check(z.regex(/^T[A-Z0-9]{2,32}$/, 'a Slack team id, T…'))),
  CREDVEND_SLACK_APP_ID: z.optional(z.string().check(z.regex(/^A[A-Z0-9]{2,32}$/, 'a Slack app id, A…'))),
  // `U012AB=https://idp.example.com#alice,U034CD=arn:aws:iam::1:user/bob`
  CREDVEND_SLACK_USERS: z.optional(
    z
      .string()
      .check(z.regex(/^([A-Z0-9]{2,32}=[^,=\s]+)(,[A-Z0-9]{2,32}=[^,=\s]+)*$/, 'SLACKUSERID=principal,…')),
  ),
  CREDVEND_WEBHOOK_URL: z.optional(z.url()),
  CREDVEND_WEBHOOK_SECRET_ID: z.optional(secretIdSchema),
  CREDVEND_NOTIFY_SNS_TOPIC_ARN: z.optional(
    z.string().check(z.regex(/^arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/, 'an SNS topic ARN')),
  ),
  CREDVEND_SNS_ENDPOINT: z.optional(z.url()),
  CREDVEND_NOTIFY_EMAIL_FROM: z.optional(z.email()),
  CREDVEND_NOTIFY_EMAIL_TO: z.optional(
    z.pipe(
      z.pipe(
        z.string(),
        z.transform((list) => list.split(',').map((address) => address.trim())),
      ),
      z.array(z.email()).check(z.minLength(1), z.maxLength(50)),
    ),
  ),
  CREDVEND_SES_ENDPOINT: z.optional(z.url()),
  CREDVEND_TEAMS_WEBHOOK_URL_SECRET_ID: z.optional(secretIdSchema),
  // Where notices link to: the portal's public base URL (https, or a loopback URL locally).
  CREDVEND_PORTAL_URL: z.optional(z.url()),
  CREDVEND_PAGERDUTY_TOKEN_SECRET_ID: z.optional(secretIdSchema),
  CREDVEND_PAGERDUTY_API_URL: z._default(serviceUrl, 'https://api.pagerduty.com/'),
  CREDVEND_OPSGENIE_KEY_SECRET_ID: z.optional(secretIdSchema),
  // Opsgenie's EU instance answers at https://api.eu.opsgenie.com/.
  CREDVEND_OPSGENIE_API_URL: z._default(serviceUrl, 'https://api.opsgenie.com/'),
  CREDVEND_ONCALL_TIMEOUT_MS: z._default(
    z.coerce.number().check(z.int(), z.minimum(100), z.maximum(10_000)),
    3000,
  ),
  CREDVEND_NOTIFY_ATTEMPTS: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(6)), 3),
  CREDVEND_NOTIFY_BACKOFF_MS: z._default(
    z.coerce.number().check(z.int(), z.minimum(0), z.maximum(5000)),
    250,
  ),
  CREDVEND_NOTIFY_TIMEOUT_MS: z._default(
    z.coerce.number().check(z.int(), z.minimum(100), z.maximum(10_000)),
    2000,
  ),
});

/** The Slack map, each principal resolved by the rule authentication uses; a session ARN stops the start. */
function slackUsers(value: string | undefined, rules: IdentityRules): Map<string, SlackMappedPerson> {
  const users = new Map<string, SlackMappedPerson>();
  for (const pair of value?.split(',') ?? []) {
    const at = pair.indexOf('=');
    const principal = pair.slice(at + 1);
    const listed = identityOfListed(principal, rules);
    if ('problem' in listed) {
      throw new AccessRequestConfigError(`invalid configuration: CREDVEND_SLACK_USERS: ${listed.problem}`);
    }
    users.set(pair.slice(0, at), { principal, identity: listed.key });
  }
  return users;
}

/** Paths are resolved against the base URL, so it must end in a slash to keep its own path. */
function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

class AccessRequestConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadAccessRequestConfig(
  env: Record<string, string | undefined>,
  rules: IdentityRules,
): AccessRequestConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = accessRequestEnvironmentSchema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new AccessRequestConfigError(`invalid configuration: ${problems}`);
  }
  const e = result.data;
  const config: AccessRequestConfig = {
    tables: { requests: e.CREDVEND_ACCESS_REQUESTS_TABLE, requestables: e.CREDVEND_REQUESTABLES_TABLE },
    onCall: {
      timeoutMs: e.CREDVEND_ONCALL_TIMEOUT_MS,
      ...(e.CREDVEND_PAGERDUTY_TOKEN_SECRET_ID
        ? {
            pagerDuty: {
              tokenSecretId: e.CREDVEND_PAGERDUTY_TOKEN_SECRET_ID,
              apiUrl: withSlash(e.CREDVEND_PAGERDUTY_API_URL),
            },
          }
        : {}),
      ...(e.CREDVEND_OPSGENIE_KEY_SECRET_ID
        ? {
            opsgenie: {
              keySecretId: e.CREDVEND_OPSGENIE_KEY_SECRET_ID,
              apiUrl: withSlash(e.CREDVEND_OPSGENIE_API_URL),
            },
          }
        : {}),
    },
    delivery: {
      attempts: e.CREDVEND_NOTIFY_ATTEMPTS,
      backoffMs: e.CREDVEND_NOTIFY_BACKOFF_MS,
      timeoutMs: e.CREDVEND_NOTIFY_TIMEOUT_MS,
    },
  };
  if (e.CREDVEND_SLACK_TOKEN_SECRET_ID && e.CREDVEND_SLACK_CHANNEL) {
    config.slack = {
      tokenSecretId: e.CREDVEND_SLACK_TOKEN_SECRET_ID,
      channel: e.CREDVEND_SLACK_CHANNEL,
      apiUrl: e.CREDVEND_SLACK_API_URL,
    };
  }
  if (e.CREDVEND_SLACK_SIGNING_SECRET_ID) {
    if (!e.CREDVEND_SLACK_TEAM_ID || !e.CREDVEND_SLACK_APP_ID) {
      throw new AccessRequestConfigError(
        'invalid configuration: CREDVEND_SLACK_SIGNING_SECRET_ID needs CREDVEND_SLACK_TEAM_ID and CREDVEND_SLACK_APP_ID (the workspace and app decisions must come from)',
      );
    }
    config.slackInteractions = {
      signingSecretId: e.CREDVEND_SLACK_SIGNING_SECRET_ID,
      teamId: e.CREDVEND_SLACK_TEAM_ID,
      appId: e.CREDVEND_SLACK_APP_ID,
      users: slackUsers(e.CREDVEND_SLACK_USERS, rules),
    };
  }
  if (e.CREDVEND_WEBHOOK_URL) {
    if (!e.CREDVEND_WEBHOOK_SECRET_ID) {
      throw new AccessRequestConfigError(
        'invalid configuration: CREDVEND_WEBHOOK_URL needs CREDVEND_WEBHOOK_SECRET_ID',
      );
    }
    config.webhook = { url: e.CREDVEND_WEBHOOK_URL, secretId: e.CREDVEND_WEBHOOK_SECRET_ID };
  }
  if (e.CREDVEND_NOTIFY_SNS_TOPIC_ARN) {
    config.sns = {
      topicArn: e.CREDVEND_NOTIFY_SNS_TOPIC_ARN,
      ...(e.CREDVEND_SNS_ENDPOINT ? { endpoint: e.CREDVEND_SNS_ENDPOINT } : {}),
    };
  }
  if (e.CREDVEND_NOTIFY_EMAIL_FROM || e.CREDVEND_NOTIFY_EMAIL_TO) {
    if (!e.CREDVEND_NOTIFY_EMAIL_FROM || !e.CREDVEND_NOTIFY_EMAIL_TO) {
      throw new AccessRequestConfigError(
        'invalid configuration: CREDVEND_NOTIFY_EMAIL_FROM and CREDVEND_NOTIFY_EMAIL_TO go together',
      );
    }
    config.email = {
      from: e.CREDVEND_NOTIFY_EMAIL_FROM,
      to: e.CREDVEND_NOTIFY_EMAIL_TO,
      ...(e.CREDVEND_PORTAL_URL ? { portalUrl: e.CREDVEND_PORTAL_URL } : {}),
      ...(e.CREDVEND_SES_ENDPOINT ? { endpoint: e.CREDVEND_SES_ENDPOINT } : {}),
    };
  }
  if (e.CREDVEND_TEAMS_WEBHOOK_URL_SECRET_ID) {
    config.teams = {
      urlSecretId: e.CREDVEND_TEAMS_WEBHOOK_URL_SECRET_ID,
      ...(e.CREDVEND_PORTAL_URL ? { portalUrl: e.CREDVEND_PORTAL_URL } : {}),
    };
  }
  return config;
}
