import { describe, expect, it } from 'vitest';
import { signInErrorMessage } from '../../src/portal/web/sign-in-errors.js';

describe('signInErrorMessage', () => {
  it('says one of a fixed set of sentences, whatever the code', () => {
    const codes = [
      'access_denied',
      'server_error',
      'invalid_grant',
      'Call +1 555 0100 now',
      '__proto__',
      '',
      null,
    ];
    const said = new Set(codes.map(signInErrorMessage));
    for (const sentence of said) expect(sentence).toMatch(/^[A-Z][^<>]*[.:]( [a-z][^<>]*\.)?$/);
    expect(signInErrorMessage('access_denied')).toBe(
      'Sign-in was refused or cancelled at your identity provider.',
    );
  });

  it('never repeats text from the address bar: an unknown code is a generic sentence', () => {
    const crafted = 'Your account is locked: call 555-0100 and read them your token';
    expect(signInErrorMessage(crafted)).toBe('Sign-in failed: sign in again.');
    expect(signInErrorMessage('toString')).toBe('Sign-in failed: sign in again.');
  });
});
