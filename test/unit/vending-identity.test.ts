import { describe, expect, it } from 'vitest';
import { parseVendingKey, serializeVendingKey } from '../../src/aws/vending-key-secret.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { entitlementWarnings } from '../../src/domain/admin/entitlement-validation.js';
import { planIssuance } from '../../src/domain/issuance/plan.js';
import { caller, entitlement } from './fixtures.js';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:credvend-prod-vending-key-AbCdEf';
const IN_LAMBDA = { AWS_LAMBDA_FUNCTION_NAME: 'credvend-prod-vend' };
const AS_USER = { ...IN_LAMBDA, CREDVEND_VENDING_IDENTITY: 'user', CREDVEND_VENDING_KEY_SECRET: SECRET_ARN };
const TWELVE_HOURS = 43_200;

/** What the vend function plans for a 12 h request under an entitlement that allows 12 h. */
function planned(env: Record<string, string>) {
  const { roleChaining } = loadConfig(env);
  return planIssuance(
    entitlement({ maxDurationSeconds: TWELVE_HOURS }),
    { target: { entitlementId: 'ent-1' }, durationSeconds: TWELVE_HOURS },
    caller(),
    { roleChaining, now: new Date() },
  );
}

describe('the vending identity caps sessions', () => {
  it('plans a 12 h request for 12 h when the vending identity is the IAM user', () => {
    expect(planned(AS_USER)).toMatchObject({ durationSeconds: TWELVE_HOURS, durationBoundBy: 'request' });
  });

  it('caps a 12 h request at one hour under the role (the default), as role chaining forces', () => {
    expect(planned(IN_LAMBDA)).toMatchObject({ durationSeconds: 3600, durationBoundBy: 'role-chaining' });
    expect(planned({ ...IN_LAMBDA, CREDVEND_VENDING_IDENTITY: 'role' })).toMatchObject({
      durationSeconds: 3600,
      durationBoundBy: 'role-chaining',
    });
  });

  it('reads the user configuration once, and refuses user without a secret', () => {
    expect(loadConfig(AS_USER).vendingUser).toEqual({ secretId: SECRET_ARN, keyTtlSeconds: 300 });
    expect(loadConfig(IN_LAMBDA).vendingUser).toBeUndefined();
    expect(() => loadConfig({ ...IN_LAMBDA, CREDVEND_VENDING_IDENTITY: 'user' })).toThrow(ConfigError);
    expect(() => loadConfig({ CREDVEND_VENDING_IDENTITY: 'both' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...AS_USER, CREDVEND_VENDING_KEY_TTL_SECONDS: '0' })).toThrow(ConfigError);
  });

  it('warns an admin whose entitlement grants more than the vending identity can issue', () => {
    const long = entitlement({ maxDurationSeconds: TWELVE_HOURS });
    expect(entitlementWarnings(long, { roleChaining: true })).toEqual([
      expect.stringContaining('sessions end after 3600 s (deploy with vendingIdentity=user'),
    ]);
    expect(entitlementWarnings(long, { roleChaining: false })).toEqual([]);
    expect(entitlementWarnings(entitlement({ maxDurationSeconds: 3600 }), { roleChaining: true })).toEqual(
      [],
    );
  });
});

describe('the vending key secret', () => {
  const key = {
    accessKeyId: 'AKIAEXAMPLE1234567890',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  };

  it('round-trips the key in the field names IAM uses', () => {
    expect(JSON.parse(serializeVendingKey(key))).toEqual({
      AccessKeyId: key.accessKeyId,
      SecretAccessKey: key.secretAccessKey,
    });
    expect(parseVendingKey(serializeVendingKey(key), 'AWSCURRENT')).toEqual(key);
  });

  it.each([
    ['a new stack’s empty secret', '{}'],
    ['no JSON', 'AKIAEXAMPLE1234567890'],
    ['a key id without its secret', JSON.stringify({ AccessKeyId: key.accessKeyId })],
    [
      'a secret without its key id',
      JSON.stringify({ SecretAccessKey: key.secretAccessKey, AccessKeyId: '' }),
    ],
  ])('refuses %s without quoting it', (_what, text) => {
    expect(() => parseVendingKey(text, 'AWSCURRENT')).toThrow(/AWSCURRENT holds no/);
    try {
      parseVendingKey(text, 'AWSCURRENT');
    } catch (error) {
      expect(String(error)).not.toContain(key.secretAccessKey);
    }
  });
});
