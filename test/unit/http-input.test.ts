import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { InvalidRequestError } from '../../src/domain/shared/errors.js';
import { parseIssuanceBody } from '../../src/http/issuance-schema.js';
import { shellQuote } from '../../src/wire/credential-formats.js';

describe('shellQuote', () => {
  it.each([
    'plain',
    "it's",
    '$(rm -rf /)',
    '`id`',
    'a\nb',
    "'; echo pwned; '",
    'x"y\\z',
  ])('round-trips %j through sh', (value) => {
    expect(execFileSync('sh', ['-c', `printf %s ${shellQuote(value)}`]).toString()).toBe(value);
  });
});

describe('parseIssuanceBody', () => {
  it.each([
    ['malformed JSON', '{"entitlement":'],
    ['an empty body', ' '],
    ['an unknown field', '{"entitlement":"a","admin":true}'],
    ['wrong types', '{"entitlement":7}'],
    ['both targets', '{"entitlement":"a","accountId":"222222222222","roleName":"r"}'],
    ['accountId alone', '{"accountId":"222222222222"}'],
    ['a bad account id', '{"accountId":"2222","roleName":"r"}'],
    ['a bad format', '{"entitlement":"a","format":"yaml"}'],
    ['a policy string that is not JSON', '{"entitlement":"a","sessionPolicy":"{not json"}'],
    ['a policy that is not a policy', '{"entitlement":"a","sessionPolicy":{"Statement":[]}}'],
  ])('refuses %s', (_name, text) => {
    expect(() => parseIssuanceBody(text)).toThrow(InvalidRequestError);
  });

  it('accepts a policy as a JSON string or as an object', () => {
    const policy = {
      Version: '2012-10-17',
      Statement: { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
    };
    const asObject = parseIssuanceBody(JSON.stringify({ entitlement: 'a', sessionPolicy: policy }));
    const asString = parseIssuanceBody(
      JSON.stringify({ entitlement: 'a', sessionPolicy: JSON.stringify(policy) }),
    );
    expect(asObject.request.sessionPolicy).toEqual(policy);
    expect(asString.request.sessionPolicy).toEqual(policy);
  });

  it('types a role target and defaults the format', () => {
    expect(
      parseIssuanceBody('{"accountId":"222222222222","roleName":"reader","durationSeconds":900}'),
    ).toEqual({
      request: { target: { accountId: '222222222222', roleName: 'reader' }, durationSeconds: 900 },
      format: 'json',
    });
  });
});

describe('loadConfig', () => {
  it('turns role chaining on in Lambda only', () => {
    expect(loadConfig({}).roleChaining).toBe(false);
    expect(loadConfig({ AWS_LAMBDA_FUNCTION_NAME: 'vend' }).roleChaining).toBe(true);
    expect(
      loadConfig({ AWS_LAMBDA_FUNCTION_NAME: 'vend', CREDVEND_ROLE_CHAINING: 'false' }).roleChaining,
    ).toBe(false);
  });

  it('parses quotas as <count>/<seconds> or off', () => {
    expect(loadConfig({}).rateLimits).toEqual({
      caller: { limit: 60, windowSeconds: 60 },
      entitlement: { limit: 600, windowSeconds: 60 },
    });
    expect(
      loadConfig({ CREDVEND_CALLER_RATE_LIMIT: '5/3600', CREDVEND_ENTITLEMENT_RATE_LIMIT: 'off' }).rateLimits,
    ).toEqual({
      caller: { limit: 5, windowSeconds: 3600 },
    });
    expect(() => loadConfig({ CREDVEND_CALLER_RATE_LIMIT: 'lots' })).toThrow(/rate limit/);
  });

  it('treats a blank optional setting as unset, as a blank deploy parameter arrives', () => {
    const config = loadConfig({
      CREDVEND_OIDC_ISSUER: '',
      CREDVEND_SERVER_ID: '',
      CREDVEND_STS_ENDPOINT: '',
    });
    expect(config.oidcIssuers).toEqual([]);
    expect(config.awsAuth).toBeUndefined();
  });

  it('refuses symmetric JWT algorithms', () => {
    expect(() =>
      loadConfig({
        CREDVEND_OIDC_ISSUER: 'https://idp.example.com',
        CREDVEND_OIDC_ALGORITHMS: 'RS256,HS256',
      }),
    ).toThrow(/HS256/);
  });
});
