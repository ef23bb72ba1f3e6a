import * as z from './zod-mini.js';

/**
 * A Secrets Manager secret as a setting names it: its ARN, or its name in this account and
 * region. Never its value: the functions read values at run time with their own roles
 * (docs/operations/secrets.md).
 */
export const secretIdSchema = z
  .string()
  .check(
    z.regex(
      /^(arn:aws[\w-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]{1,512}|[\w/+=.@-]{1,512})$/,
      'a Secrets Manager secret ARN or name',
    ),
    z.describe('a Secrets Manager secret ARN or name'),
  );

/** Settings that once carried a secret's value, and the setting that now names the secret instead. */
const VALUE_SETTINGS: Record<string, string> = {
  CREDVEND_IDEMPOTENCY_SECRET: 'CREDVEND_IDEMPOTENCY_SECRET_ID',
  CREDVEND_CURSOR_SECRET: 'CREDVEND_CURSOR_SECRET_ID',
  CREDVEND_SLACK_TOKEN: 'CREDVEND_SLACK_TOKEN_SECRET_ID',
  CREDVEND_SLACK_SIGNING_SECRET: 'CREDVEND_SLACK_SIGNING_SECRET_ID',
  CREDVEND_WEBHOOK_SECRET: 'CREDVEND_WEBHOOK_SECRET_ID',
  CREDVEND_TEAMS_WEBHOOK_URL: 'CREDVEND_TEAMS_WEBHOOK_URL_SECRET_ID',
  CREDVEND_PAGERDUTY_TOKEN: 'CREDVEND_PAGERDUTY_TOKEN_SECRET_ID',
  CREDVEND_OPSGENIE_KEY: 'CREDVEND_OPSGENIE_KEY_SECRET_ID',
};

/**
 * A secret value in the environment stops the start rather than being ignored (the feature
 * would silently be off) or used (the value would sit in the function's configuration). The
 * message names the setting, never the value.
 */
export function secretValueProblems(env: Record<string, string | undefined>): string[] {
  return Object.entries(VALUE_SETTINGS)
    .filter(([name]) => (env[name] ?? '') !== '')
    .map(
      ([name, replacement]) =>
        `${name} holds a secret value; put the value in Secrets Manager and name the secret in ${replacement}`,
    );
}
