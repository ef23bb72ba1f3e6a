import { beforeAll, describe, expect, it } from 'vitest';
import { unusedAccessWire } from '../../src/wire/reviews.js';
import { readWire } from '../fixtures/read-wire.js';
import { adminApp, devToken, oidcPrincipal, stack, vendApp } from './support.js';

/** GET /v1/reviews/unused against the local stack: the admin function's own role reads the audit's account index. */
describe('unused-access report', () => {
  const admin = adminApp();
  const vend = vendApp();
  const run = Date.now();
  const id = `unused-${run}`;
  const dave = `dave-${run}@example.com`;
  let adminToken: string;

  const report = async () => {
    const response = await admin.request(`/v1/reviews/unused?days=30&accountId=${stack().targetAccountId}`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(response.status).toBe(200);
    return readWire(response, unusedAccessWire);
  };

  beforeAll(async () => {
    adminToken = await devToken('admin@example.com');
    const put = await admin.request(`/v1/entitlements/${id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({
        subject: { oidc: { issuer: stack().issuer, sub: dave } },
        accountId: stack().targetAccountId,
        roleArn: stack().roles.readonly,
        maxDurationSeconds: 900,
      }),
    });
    expect(put.status).toBe(201);
  });

  it('lists a standing entitlement nobody used, with who added it and when; once used it is gone', async () => {
    const before = await report();
    const row = before.entitlements.find((e) => e.id === id);
    expect(row).toMatchObject({
      subject: { oidc: { issuer: stack().issuer, sub: dave } },
      subjectKind: 'principal',
      issuancesInDays: 0,
      issuancesIn90Days: 0,
      added: { by: oidcPrincipal('admin@example.com') },
    });
    expect(row?.lastIssuance).toBeUndefined();
    expect(before.partialAccounts).toEqual([]);

    const issued = await vend.request('/v1/credentials', {
      method: 'POST',
      headers: { authorization: `Bearer ${await devToken(dave)}` },
      body: JSON.stringify({ entitlement: id }),
    });
    expect(issued.status).toBe(200);

    const after = await report();
    expect(after.entitlements.map((e) => e.id)).not.toContain(id);
    // The evidence of every standing row names who used it.
    const evidence = await admin.request(`/v1/reviews/evidence?accountId=${stack().targetAccountId}`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(evidence.status).toBe(200);
    const used = (await readWire(evidence, unusedAccessWire)).entitlements.find((e) => e.id === id);
    expect(used).toMatchObject({
      issuancesInDays: 1,
      issuancesIn90Days: 1,
      callers: [{ principal: oidcPrincipal(dave), name: dave, issuances: 1 }],
    });
  });
});
