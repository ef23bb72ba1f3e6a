import * as z from 'zod';

/**
 * Settings of just-in-time access, read once from the environment at start. Kept apart
 * from the core configuration: only the access-requests function needs them.
 */
export interface AccessRequestConfig {
  tables: { requests: string; requestables: string };
  slack?: { token: string; channel: string; apiUrl: string };
  /** Slack interactive messages: the app's signing secret and Slack user id → principal. */
  slackInteractions?: { signingSecret: string; users: ReadonlyMap<string, string> };
  webhook?: { url: string; secret: string };
  /** Attempts per sink and notice, with doubling backoff from `backoffMs`. */
  delivery: { attempts: number; backoffMs: number; timeoutMs: number };
}

const secret = z.string().min(32, 'at least 32 characters');

export const accessRequestEnvironmentSchema = z.object({
  CREDVEND_ACCESS_REQUESTS_TABLE: z.string().min(3).default('credvend-access-requests'),
  CREDVEND_REQUESTABLES_TABLE: z.string().min(3).default('credvend-requestables'),
  CREDVEND_SLACK_TOKEN: z.string().min(1).optional(),
  CREDVEND_SLACK_CHANNEL: z.string().min(1).optional(),
  CREDVEND_SLACK_API_URL: z.url().default('https://slack.com/api/'),
  CREDVEND_SLACK_SIGNING_SECRET: z.string().min(16).optional(),
  // `U012AB=https://idp.example.com#alice,U034CD=arn:aws:iam::1:user/bob`
  CREDVEND_SLACK_USERS: z
    .string()
    .regex(/^([A-Z0-9]{2,32}=[^,=\s]+)(,[A-Z0-9]{2,32}=[^,=\s]+)*$/, 'SLACKUSERID=principal,…')
    .optional(),
  CREDVEND_WEBHOOK_URL: z.url().optional(),
  CREDVEND_WEBHOOK_SECRET: secret.optional(),
  CREDVEND_NOTIFY_ATTEMPTS: z.coerce.number().int().min(1).max(6).default(3),
  CREDVEND_NOTIFY_BACKOFF_MS: z.coerce.number().int().min(0).max(5000).default(250),
  CREDVEND_NOTIFY_TIMEOUT_MS: z.coerce.number().int().min(100).max(10_000).default(2000),
});

function slackUsers(value: string | undefined): Map<string, string> {
  const users = new Map<string, string>();
  for (const pair of value?.split(',') ?? []) {
    const at = pair.indexOf('=');
    users.set(pair.slice(0, at), pair.slice(at + 1));
  }
  return users;
}

class AccessRequestConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadAccessRequestConfig(
  env: Record<string, string | undefined> = process.env,
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
    delivery: {
      attempts: e.CREDVEND_NOTIFY_ATTEMPTS,
      backoffMs: e.CREDVEND_NOTIFY_BACKOFF_MS,
      timeoutMs: e.CREDVEND_NOTIFY_TIMEOUT_MS,
    },
  };
  if (e.CREDVEND_SLACK_TOKEN && e.CREDVEND_SLACK_CHANNEL) {
    config.slack = {
      token: e.CREDVEND_SLACK_TOKEN,
      channel: e.CREDVEND_SLACK_CHANNEL,
      apiUrl: e.CREDVEND_SLACK_API_URL,
    };
  }
  if (e.CREDVEND_SLACK_SIGNING_SECRET) {
    config.slackInteractions = {
      signingSecret: e.CREDVEND_SLACK_SIGNING_SECRET,
      users: slackUsers(e.CREDVEND_SLACK_USERS),
    };
  }
  if (e.CREDVEND_WEBHOOK_URL) {
    if (!e.CREDVEND_WEBHOOK_SECRET) {
      throw new AccessRequestConfigError(
        'invalid configuration: CREDVEND_WEBHOOK_URL needs CREDVEND_WEBHOOK_SECRET',
      );
    }
    config.webhook = { url: e.CREDVEND_WEBHOOK_URL, secret: e.CREDVEND_WEBHOOK_SECRET };
  }
  return config;
}
