import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditSince, devToken, oidcPrincipal, vendApp } from './support.js';

/**
 * Fuzzing the vend API with the real stack behind it: whatever arrives, the answer is 2xx
 * or 4xx (never 5xx from bad input) and invalid input never yields credentials.
 * FUZZ_RUNS scales the run (CI default 4 000 cases in all; FUZZ_RUNS=100000 for a long run).
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 4_000);
/**
 * Bodies sent at once by one property run: each is refused with its own audit write, which
 * spends its time in the IAM gate and DynamoDB Local, so eight in flight keep both cores
 * busy. Every body is still checked on its own; the number of bodies is unchanged.
 */
const BODIES_AT_ONCE = 8;

describe('fuzzing POST /v1/credentials', () => {
  const app = vendApp();
  const sub = `fuzz-${Date.now()}@example.com`;
  let token: string;
  let issuedBefore: number;
  const since = new Date(Date.now() - 86_400_000);
  /** The caller's issued records (the by-time index, the caller's row, issued ones only). */
  const issuedToCaller = async () =>
    (await auditSince(since, { principal: oidcPrincipal(sub), outcome: 'issued' })).length;

  beforeAll(async () => {
    token = await devToken(sub);
    issuedBefore = await issuedToCaller();
  });

  const post = (body: string, headers: Record<string, string>) =>
    app.request('/v1/credentials', { method: 'POST', headers, body });
  const assertSafe = (status: number) => {
    expect(status, `status ${status}`).toBeGreaterThanOrEqual(200);
    expect(status, `status ${status}`).toBeLessThan(500);
  };

  const key = fc.constantFrom(
    'entitlement',
    'accountId',
    'roleName',
    'durationSeconds',
    'sessionPolicy',
    'reason',
    'format',
    'x',
    '__proto__',
    'constructor',
  );
  const value = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom(
      'demo-readonly',
      '222222222222',
      'credvend-readonly',
      'json',
      'env',
      'console',
      '{"Version":"2012-10-17"}',
    ),
    fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
  );

  it('answers arbitrary bodies from an authenticated caller with 2xx/4xx and never issues to an unentitled one', async () => {
    const bodies = fc.oneof(
      fc.dictionary(key, value, { maxKeys: 5 }).map((o) => JSON.stringify(o)),
      fc.string({ maxLength: 200 }),
      fc.jsonValue().map((v) => JSON.stringify(v)),
    );
    const batch = fc.array(bodies, { minLength: BODIES_AT_ONCE, maxLength: BODIES_AT_ONCE });
    await fc.assert(
      fc.asyncProperty(batch, async (batchOfBodies) => {
        const responses = await Promise.all(
          batchOfBodies.map((body) => post(body, { authorization: `Bearer ${token}` })),
        );
        for (const [n, response] of responses.entries()) {
          assertSafe(response.status);
          // This caller has no entitlements: nothing can ever be issued to it.
          expect(response.status, batchOfBodies[n]).not.toBe(200);
        }
      }),
      { numRuns: Math.floor((RUNS * 0.5) / BODIES_AT_ONCE) },
    );
  }, 600_000);

  it('answers arbitrary authorization headers with 401/400, never 5xx', async () => {
    const header = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ maxLength: 200 }).map((s) => `Bearer ${s}`),
      fc.string({ maxLength: 200 }).map((s) => `CredvendAWS ${s}`),
      fc
        .base64String({ maxLength: 400 })
        .map((s) => `CredvendAWS ${s.replaceAll('+', '-').replaceAll('/', '_')}`),
      fc.jsonValue().map((v) => `CredvendAWS ${Buffer.from(JSON.stringify(v)).toString('base64url')}`),
    );
    await fc.assert(
      fc.asyncProperty(header, async (authorization) => {
        let response: Response;
        try {
          response = await post('{"entitlement":"demo-readonly"}', { authorization });
        } catch {
          return; // the Request constructor refuses some header values outright: nothing reached the app
        }
        assertSafe(response.status);
        expect(response.status).not.toBe(200);
      }),
      { numRuns: Math.floor(RUNS * 0.25) },
    );
  }, 600_000);

  it('refuses every mutation of a valid token', async () => {
    const alice = await devToken('alice@example.com');
    const mutation = fc.tuple(
      fc.nat({ max: alice.length - 1 }),
      fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.'),
    );
    await fc.assert(
      fc.asyncProperty(mutation, async ([at, ch]) => {
        fc.pre(alice[at] !== ch);
        const forged = `${alice.slice(0, at)}${ch}${alice.slice(at + 1)}`;
        const response = await post('{"entitlement":"demo-readonly"}', { authorization: `Bearer ${forged}` });
        assertSafe(response.status);
        // base64url has spare bits: a change that decodes to the same bytes is the same token.
        if (response.status === 200) {
          expect(Buffer.from(forged.split('.')[2] ?? '', 'base64url')).toEqual(
            Buffer.from(alice.split('.')[2] ?? '', 'base64url'),
          );
        }
      }),
      { numRuns: Math.floor(RUNS * 0.25) },
    );
  }, 600_000);

  it('issued nothing to the fuzzing caller', async () => {
    expect(await issuedToCaller()).toBe(issuedBefore);
  });
});
