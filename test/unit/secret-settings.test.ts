import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

const SETTINGS_THAT_HELD_VALUES = [
  'CREDVEND_IDEMPOTENCY_SECRET',
  'CREDVEND_CURSOR_SECRET',
  'CREDVEND_SLACK_TOKEN',
  'CREDVEND_SLACK_SIGNING_SECRET',
  'CREDVEND_WEBHOOK_SECRET',
  'CREDVEND_TEAMS_WEBHOOK_URL',
];

function refusalOf(env: Record<string, string>): string | undefined {
  try {
    loadConfig(env);
    return undefined;
  } catch (error) {
    return String(error);
  }
}

describe('secrets in configuration', () => {
  it('stops the start when a setting carries a secret value, naming the setting and never the value', () => {
    const value = randomBytes(32).toString('hex');
    for (const name of SETTINGS_THAT_HELD_VALUES) {
      const refusal = refusalOf({ [name]: value });
      expect(refusal, name).toContain(`${name} holds a secret value`);
      expect(refusal, name).toMatch(new RegExp(`name the secret in ${name}(_SECRET)?_ID`));
      expect(refusal, name).not.toContain(value);
    }
  });

  it('takes secrets by ARN or name, and refuses anything else', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:credvend/prod/idempotency-AbCdEf';
    expect(loadConfig({ CREDVEND_IDEMPOTENCY_SECRET_ID: arn }).idempotencySecretId).toBe(arn);
    expect(loadConfig({ CREDVEND_CURSOR_SECRET_ID: 'credvend/prod/cursor' }).cursorSecretId).toBe(
      'credvend/prod/cursor',
    );
    expect(refusalOf({ CREDVEND_IDEMPOTENCY_SECRET_ID: 'a value with spaces' })).toMatch(
      /CREDVEND_IDEMPOTENCY_SECRET_ID: a Secrets Manager secret ARN or name/,
    );
    const requests = loadConfig({
      CREDVEND_WEBHOOK_URL: 'https://hooks.example.com/credvend',
      CREDVEND_WEBHOOK_SECRET_ID: 'credvend/prod/webhook',
      CREDVEND_TEAMS_WEBHOOK_URL_SECRET_ID: 'credvend/prod/teams',
    }).accessRequests;
    expect(requests.webhook).toEqual({
      url: 'https://hooks.example.com/credvend',
      secretId: 'credvend/prod/webhook',
    });
    expect(requests.teams).toEqual({ urlSecretId: 'credvend/prod/teams' });
  });

  it('bounds how long a read value is used (default 5 minutes)', () => {
    expect(loadConfig({}).secrets.ttlSeconds).toBe(300);
    expect(loadConfig({ CREDVEND_SECRET_TTL_SECONDS: '60' }).secrets.ttlSeconds).toBe(60);
    expect(refusalOf({ CREDVEND_SECRET_TTL_SECONDS: '86400' })).toMatch(/CREDVEND_SECRET_TTL_SECONDS/);
  });
});
