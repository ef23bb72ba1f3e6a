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

  // Known gap, marked rather than hidden: the audit record and its index entries (issue 25
  // item 2) still write more than 3 units. `it.fails` turns red the day they fit, and this
  // line must then become `it`.
  it.fails('writes at most 3 units per issuance, audit record and its index entries included', () => {
    expect(measured.get('oidc')?.writeUnits).toBeLessThanOrEqual(3);
    expect(measured.get('aws')?.writeUnits).toBeLessThanOrEqual(3);
  });
});
