import { describe, expect, it } from 'vitest';
import { callApi, checkApiUrl } from '../../src/cli/api-client.js';

describe('where the CLI sends credentials', () => {
  it.each([
    'https://credvend.example.com',
    'https://credvend.example.com:8443/base/',
    'http://127.0.0.1:3000',
    'http://localhost:3000',
    'http://[::1]:3000',
  ])('sends them to %s', (url) => {
    expect(() => checkApiUrl(url)).not.toThrow();
  });

  it.each([
    'http://credvend.example.com',
    'http://10.0.0.8:3000',
    'http://127.0.0.1.nip.io:3000',
    'http://localhost.example.com',
    'ftp://credvend.example.com',
    'not a url',
  ])('refuses %s, stating the rule', (url) => {
    expect(() => checkApiUrl(url)).toThrow(/https:\/\/|not a URL/);
  });

  it('refuses before sending: a plain-http API URL is an error naming the rule, not a request', async () => {
    const attempt = callApi(
      {
        apiUrl: 'http://credvend.example.invalid',
        profile: 'default',
        auth: { type: 'token', token: 'secret' },
      },
      'GET',
      '/v1/entitlements/mine',
    );
    await expect(attempt).rejects.toThrow(/only to https:\/\/ URLs or to http:\/\/ on a loopback address/);
  });
});
