import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../src/domain/shared/errors.js';
import { parseIssuanceBody } from '../../src/http/issuance-schema.js';

// This file imports nothing that loads classic zod (which sets English itself): the vend
// bundle's situation, where only src/zod-mini.ts gives zod/mini its messages.
describe('zod/mini on the vend path', () => {
  it('lists each issue in words, as the API always has, not as "Invalid input"', () => {
    let caught: unknown;
    try {
      parseIssuanceBody('{"entitlement":"a","durationSeconds":"3600","reason":7}');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidRequestError);
    const issues = caught instanceof InvalidRequestError ? caught.issues : [];
    expect(issues).toEqual([
      { path: 'durationSeconds', message: 'Invalid input: expected number, received string' },
      { path: 'reason', message: 'Invalid input: expected string, received number' },
    ]);
  });
});
