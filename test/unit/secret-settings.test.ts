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
  'CREDVEND_PAGERDUTY_TOKEN',
  'CREDVEND_OPSGENIE_KEY',
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

  it("names the paging services' keys as secrets and takes their APIs over https only", () => {
    const onCall = loadConfig({
      CREDVEND_PAGERDUTY_TOKEN_SECRET_ID: 'credvend/prod/pagerduty',
      CREDVEND_OPSGENIE_KEY_SECRET_ID: 'credvend/prod/opsgenie',
      CREDVEND_OPSGENIE_API_URL: 'https://api.eu.opsgenie.com',
    }).accessRequests.onCall;
    expect(onCall).toEqual({
      timeoutMs: 3000,
      pagerDuty: { tokenSecretId: 'credvend/prod/pagerduty', apiUrl: 'https://api.pagerduty.com/' },
      opsgenie: { keySecretId: 'credvend/prod/opsgenie', apiUrl: 'https://api.eu.opsgenie.com/' },
    });
    expect(loadConfig({}).accessRequests.onCall).toEqual({ timeoutMs: 3000 });
    // The key travels in a header: never in clear text to anything but a loopback stand-in.
    expect(refusalOf({ CREDVEND_PAGERDUTY_API_URL: 'http://pagerduty.example.com/' })).toMatch(
      /CREDVEND_PAGERDUTY_API_URL: an https URL/,
    );
    expect(
      loadConfig({ CREDVEND_PAGERDUTY_API_URL: 'http://127.0.0.1:9999/pd' }).accessRequests.onCall,
    ).toEqual({ timeoutMs: 3000 });
  });

  it('bounds how long a read value is used (default 5 minutes)', () => {
    expect(loadConfig({}).secrets.ttlSeconds).toBe(300);
    expect(loadConfig({ CREDVEND_SECRET_TTL_SECONDS: '60' }).secrets.ttlSeconds).toBe(60);
    expect(refusalOf({ CREDVEND_SECRET_TTL_SECONDS: '86400' })).toMatch(/CREDVEND_SECRET_TTL_SECONDS/);
  });
});
