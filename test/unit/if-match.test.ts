import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../src/domain/shared/errors.js';
import { checkIfMatch } from '../../src/domain/shared/if-match.js';

describe('If-Match on admin-managed records', () => {
  const stored = { version: 3 };
  const outcome = (...args: Parameters<typeof checkIfMatch>) => {
    try {
      checkIfMatch(...args);
      return 'ok';
    } catch (error) {
      if (error instanceof ConflictError) return 'conflict';
      if (error instanceof NotFoundError) return 'not-found';
      throw error;
    }
  };

  it.each([
    ['create where nothing is', undefined, undefined, 'replace', 'ok'],
    ['replace of something that is not there', undefined, 3, 'replace', 'not-found'],
    ['delete of something that is not there', undefined, undefined, 'delete', 'not-found'],
    ['blind overwrite', stored, undefined, 'replace', 'conflict'],
    ['blind delete', stored, undefined, 'delete', 'conflict'],
    ['replace of a version since changed', stored, 2, 'replace', 'conflict'],
    ['delete of a version since changed', stored, 2, 'delete', 'conflict'],
    ['replace of the version read', stored, 3, 'replace', 'ok'],
    ['delete of the version read', stored, 3, 'delete', 'ok'],
  ] as const)('%s: %s', (_name, current, ifMatch, change, expected) => {
    expect(outcome('entitlement e1', current, ifMatch, change)).toBe(expected);
  });
});
