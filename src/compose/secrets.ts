import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerSecret } from '../aws/secrets-manager-secret.js';
import { SecretUnavailableError } from '../domain/shared/errors.js';
import { createSecretsManagerClient } from './clients.js';
import type { Composition } from './composition.js';

/** What each configured secret is for: the setting naming it and what its value must be. */
const PURPOSES = {
  idempotency: { setting: 'CREDVEND_IDEMPOTENCY_SECRET_ID', rule: atLeast(32) },
  cursor: { setting: 'CREDVEND_CURSOR_SECRET_ID', rule: atLeast(32) },
  slackToken: { setting: 'CREDVEND_SLACK_TOKEN_SECRET_ID', rule: oneToken },
  slackSigning: { setting: 'CREDVEND_SLACK_SIGNING_SECRET_ID', rule: atLeast(16) },
  webhook: { setting: 'CREDVEND_WEBHOOK_SECRET_ID', rule: atLeast(32) },
  teamsWebhookUrl: { setting: 'CREDVEND_TEAMS_WEBHOOK_URL_SECRET_ID', rule: webhookUrl },
  pagerDutyToken: { setting: 'CREDVEND_PAGERDUTY_TOKEN_SECRET_ID', rule: oneToken },
  opsgenieKey: { setting: 'CREDVEND_OPSGENIE_KEY_SECRET_ID', rule: oneToken },
} satisfies Record<string, { setting: string; rule: (value: string) => string | undefined }>;

export type SecretPurpose = keyof typeof PURPOSES;

/** A secret's current value, read at run time; rejects with SecretUnavailableError. */
export type SecretValue = () => Promise<string>;

function atLeast(length: number): (value: string) => string | undefined {
  return (value) => (value.length >= length ? undefined : `holds fewer than ${length} characters`);
}

function oneToken(value: string): string | undefined {
  return /^\S+$/.test(value) ? undefined : 'holds no single token';
}

function webhookUrl(value: string): string | undefined {
  return /^https:\/\/[^\s]+$|^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]\S*$/.test(value)
    ? undefined
    : 'holds no https URL';
}

function secretsManagerOf(root: Composition): SecretsManagerClient {
  root.built.secretsManager ??= createSecretsManagerClient(root.config, root.runtime.credentials);
  return root.built.secretsManager;
}

/**
 * The value of the secret configured for `purpose`, cached for the configured lifetime
 * (config.secrets.ttlSeconds). A secret that cannot be read, or whose value breaks the
 * purpose's rule, is a SecretUnavailableError naming the purpose and setting: the feature
 * refuses, never falls back to another key. No message ever carries the value.
 */
export function secretValueOf(root: Composition, purpose: SecretPurpose, secretId: string): SecretValue {
  const { setting, rule } = PURPOSES[purpose];
  const what = `the ${purpose} secret (${setting})`;
  const secret = new SecretsManagerSecret(
    secretsManagerOf(root),
    secretId,
    root.config.secrets.ttlSeconds,
    (text) => {
      const problem = text === undefined ? 'holds no string value' : rule(text);
      if (problem !== undefined || text === undefined) throw new SecretUnavailableError(`${what} ${problem}`);
      return text;
    },
  );
  return async () => {
    try {
      return await secret.current();
    } catch (error) {
      if (error instanceof SecretUnavailableError) throw error;
      const name = error instanceof Error ? error.name : 'error';
      throw new SecretUnavailableError(`${what} could not be read (${name})`, { cause: error });
    }
  };
}

/**
 * `derive(value)` for the secret's current value, derived again only when the value changes
 * (a rotation), so the work of deriving keys is not repeated per request.
 */
export function derivedFrom<T>(value: SecretValue, derive: (secret: string) => T): () => Promise<T> {
  let last: { secret: string; derived: T } | undefined;
  return async () => {
    const secret = await value();
    if (last?.secret !== secret) last = { secret, derived: derive(secret) };
    return last.derived;
  };
}
