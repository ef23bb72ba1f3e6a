import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IdempotencySealer } from '../../src/domain/issuance/sealing.js';

describe('IdempotencySealer', () => {
  const sealer = new IdempotencySealer(randomBytes(32));
  const box = sealer.seal('alice', 'key-1', 'the credentials', 'aad');

  it('opens for the same caller, key and request', () => {
    expect(sealer.open('alice', 'key-1', box, 'aad')).toBe('the credentials');
    expect(box.ciphertext).not.toContain('the credentials');
  });

  it.each([
    ['another caller', 'bob', 'key-1', 'aad'],
    ['another idempotency key', 'alice', 'key-2', 'aad'],
    ['another request', 'alice', 'key-1', 'other'],
  ])('refuses %s', (_name, principal, key, aad) => {
    expect(() => sealer.open(principal, key, box, aad)).toThrow();
  });

  it('refuses an altered box and a server with another secret', () => {
    const altered = { ...box, ciphertext: Buffer.from('x'.repeat(15)).toString('base64') };
    expect(() => sealer.open('alice', 'key-1', altered, 'aad')).toThrow();
    expect(() => new IdempotencySealer(randomBytes(32)).open('alice', 'key-1', box, 'aad')).toThrow();
    expect(() => new IdempotencySealer(randomBytes(16))).toThrow(/32 bytes/);
  });
});
