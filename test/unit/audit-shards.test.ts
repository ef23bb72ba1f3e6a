import { describe, expect, it } from 'vitest';
import {
  accountOfRole,
  accountSegments,
  allSegments,
  GRID,
  principalSegments,
  timeShardOf,
} from '../../src/aws/audit-shards.js';

describe('the byTime grid of the audit table', () => {
  it("puts a principal's records in its row and an account's (its roles' too) in its column", () => {
    for (let i = 0; i < 200; i++) {
      const principal = `https://issuer.example#user-${i}`;
      const accountId = String(100_000_000_000 + i * 7919);
      const roleArn = `arn:aws:iam::${accountId}:role/deploy-${i % 5}`;
      const shard = timeShardOf({ principal, accountId, roleArn });
      expect(principalSegments(principal)).toContain(shard);
      expect(accountSegments(accountId)).toContain(shard);
      expect(accountSegments(accountOfRole(roleArn) ?? '')).toContain(shard);
    }
  });

  it('spreads one busy role over a whole column: no partition takes every issuance of it', () => {
    const roleArn = 'arn:aws:iam::222222222222:role/ci';
    const counts = new Map<string, number>();
    const callers = 4_000;
    for (let i = 0; i < callers; i++) {
      const shard = timeShardOf({ principal: `repo:org/app-${i}:ref:refs/heads/main`, roleArn });
      counts.set(shard, (counts.get(shard) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(accountSegments('222222222222').sort());
    // Each partition within ±20 % of an even share (binomial spread at this size is about ±4 %).
    for (const count of counts.values())
      expect(Math.abs(count - callers / GRID)).toBeLessThan((0.2 * callers) / GRID);
  });

  it('walks every partition once; a role ARN names its account or nothing', () => {
    expect(new Set(allSegments()).size).toBe(GRID * GRID);
    expect(allSegments()).toEqual(expect.arrayContaining(principalSegments('x')));
    expect(accountOfRole('arn:aws-us-gov:iam::123456789012:role/path/r')).toBe('123456789012');
    expect(accountOfRole('arn:aws:iam::123456789012:user/u')).toBeUndefined();
    // A record without an account or role lies in its principal's row all the same.
    expect(principalSegments('admin')).toContain(timeShardOf({ principal: 'admin' }));
  });
});
