import { beforeAll, describe, expect, it } from 'vitest';
import { type CapacityFigures, type CapacityStack, measureIssuances } from '../../bench/capacity.js';
import { devToken, functionCredentials, stack, vendingCredentials } from './support.js';

/**
 * Cost by design (docs/benchmarks.md): an issuance writes at most 3 write units, as DynamoDB
 * Local counts them (ReturnConsumedCapacity: INDEXES), with quotas and attempt counters on as
 * deployed. The same measurement feeds `npm run bench`'s cost model.
 */
function capacityStack(): CapacityStack {
  const s = stack();
  return {
    credvendEnv: s.credvendEnv,
    issuer: s.issuer,
    mintToken: (sub) => devToken(sub, { email: `${sub}` }),
    vendingCredentials: vendingCredentials(),
    vendCredentials: functionCredentials('vend'),
    operatorCredentials: s.operator,
    stsEndpoint: s.stsEndpoint,
    readonlyRoleArn: s.roles.readonly,
  };
}

describe('write units per issuance', () => {
  const measured = new Map<'oidc' | 'aws', CapacityFigures>();

  // Measured here, so that a measurement that breaks fails the suite instead of passing the
  // `it.fails` below.
  beforeAll(async () => {
    // Twelve issuances by one caller in one container: blocks of 6 of the caller's 60.
    for (const kind of ['oidc', 'aws'] as const)
      measured.set(kind, await measureIssuances(capacityStack(), kind, 'busy', 12));
  }, 120_000);

  it('spends quota and attempt-counter writes once per leased block, not per issuance', () => {
    // A caller lease per 6 issuances and an entitlement lease per 60 (and, for AWS callers,
    // a lease per 6 attempts of its key and per 30 of its address): 2 + 1 (+ 2 + 1) leases
    // for 12 issuances, two more if a window ends mid-test, where a write per check was 24 (48).
    expect(measured.get('oidc')?.calls.get('UpdateItemCommand')).toBeLessThanOrEqual(5 / 12);
    expect(measured.get('aws')?.calls.get('UpdateItemCommand')).toBeLessThanOrEqual(10 / 12);
  });

  // Was 8.25 (OIDC) and 8.5 (AWS): a 1-2 KB record (2 units) and six index entries (6).
  it('writes at most 3 units per issuance: an item under 1 KB, one index entry, leases', () => {
    for (const kind of ['oidc', 'aws'] as const) {
      const figures = measured.get(kind);
      expect(figures?.itemBytes).toBeLessThan(1024);
      expect(figures?.indexWriteUnits).toBe(1);
      expect(figures?.writeUnits).toBeLessThanOrEqual(3);
    }
  });
});
