import { describe, expect, it } from 'vitest';
import { ManagedPolicyCache, type ManagedPolicySource } from '../../src/domain/policy/managed-policies.js';

const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const VIEW_ONLY = 'arn:aws:iam::aws:policy/job-function/ViewOnlyAccess';
const CUSTOMER = 'arn:aws:iam::222222222222:policy/team';
const document = (action: string) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }],
});

/** IAM as the vend role sees it: versions by ARN, documents by version, calls counted, faults injectable. */
class Iam implements ManagedPolicySource {
  defaults = new Map<string, string>([
    [READ_ONLY, 'v1'],
    [VIEW_ONLY, 'v3'],
  ]);
  documents = new Map<string, unknown>([
    [`${READ_ONLY} v1`, document('s3:Get*')],
    [`${READ_ONLY} v2`, document('s3:GetObject')],
    [`${VIEW_ONLY} v3`, { Version: '2008-10-17', Statement: [] }],
  ]);
  calls: string[] = [];
  failNext = 0;

  async defaultVersion(arn: string): Promise<string> {
    this.calls.push(`GetPolicy ${arn}`);
    if (this.failNext > 0 && this.failNext--) throw new Error('Throttling');
    const version = this.defaults.get(arn);
    if (!version) throw new Error('NoSuchEntity');
    return version;
  }

  async document(arn: string, versionId: string): Promise<unknown> {
    this.calls.push(`GetPolicyVersion ${arn} ${versionId}`);
    return this.documents.get(`${arn} ${versionId}`);
  }
}

function setup() {
  const iam = new Iam();
  let now = Date.parse('2026-06-01T12:00:00Z');
  const clock = { now: () => new Date(now) };
  const cache = new ManagedPolicyCache(iam, clock, { versionTtlSeconds: 300, maxDocuments: 2 });
  return { iam, cache, pass: (seconds: number) => (now += seconds * 1000) };
}

describe('Class: ManagedPolicyCache', () => {
  it('reads AWS managed policies only; a customer managed one is never asked for', async () => {
    const { iam, cache } = setup();
    const read = await cache.read([READ_ONLY, CUSTOMER]);
    expect([...read.keys()]).toEqual([READ_ONLY]);
    expect(read.get(READ_ONLY)?.Statement).toEqual([{ Effect: 'Allow', Action: 's3:Get*', Resource: '*' }]);
    expect(iam.calls).toEqual([`GetPolicy ${READ_ONLY}`, `GetPolicyVersion ${READ_ONLY} v1`]);
  });

  it('keeps the default version for its lifetime, then follows a new default version', async () => {
    const { iam, cache, pass } = setup();
    await cache.read([READ_ONLY]);
    iam.defaults.set(READ_ONLY, 'v2');
    pass(299);
    expect((await cache.read([READ_ONLY])).get(READ_ONLY)?.Statement).toEqual([
      { Effect: 'Allow', Action: 's3:Get*', Resource: '*' },
    ]);
    expect(iam.calls).toHaveLength(2);
    pass(2);
    expect((await cache.read([READ_ONLY])).get(READ_ONLY)?.Statement).toEqual([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
    ]);
    expect(iam.calls.slice(2)).toEqual([`GetPolicy ${READ_ONLY}`, `GetPolicyVersion ${READ_ONLY} v2`]);
  });

  it('does not cache a failed read: that request treats the policy as unreadable, the next one reads it', async () => {
    const { iam, cache } = setup();
    iam.failNext = 1;
    expect((await cache.read([READ_ONLY])).size).toBe(0);
    expect((await cache.read([READ_ONLY])).size).toBe(1);
    expect(iam.calls.filter((c) => c.startsWith('GetPolicy '))).toHaveLength(2);
  });

  it('treats a document it cannot validate as unreadable, and shares one read between concurrent callers', async () => {
    const { iam, cache } = setup();
    const [a, b] = await Promise.all([
      cache.read([VIEW_ONLY, READ_ONLY]),
      cache.read([VIEW_ONLY, READ_ONLY]),
    ]);
    expect([...(a.keys() ?? [])]).toEqual([READ_ONLY]);
    expect([...b.keys()]).toEqual([READ_ONLY]);
    expect(iam.calls.filter((c) => c.startsWith('GetPolicyVersion'))).toHaveLength(2);
  });

  it('keeps at most maxDocuments documents', async () => {
    const { iam, cache, pass } = setup();
    await cache.read([READ_ONLY, VIEW_ONLY]);
    iam.defaults.set(READ_ONLY, 'v2');
    pass(301);
    await cache.read([READ_ONLY]);
    iam.defaults.set(READ_ONLY, 'v1');
    pass(301);
    await cache.read([READ_ONLY]);
    // v1 was evicted by v2 and the view-only document: read again.
    expect(iam.calls.filter((c) => c === `GetPolicyVersion ${READ_ONLY} v1`)).toHaveLength(2);
  });
});
