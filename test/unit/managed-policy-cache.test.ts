import { describe, expect, it } from 'vitest';
import { ManagedPolicyCache, type ManagedPolicySource } from '../../src/domain/policy/managed-policies.js';

const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const CUSTOMER = 'arn:aws:iam::222222222222:policy/team-boundary';
const documentOf = (action: string) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }],
});

/** IAM's GetPolicy/GetPolicyVersion in memory, counting calls and failing on demand. */
function iam() {
  const defaults = new Map<string, string>([
    [READ_ONLY, 'v1'],
    [S3_READ, 'v3'],
    [CUSTOMER, 'v1'],
  ]);
  const documents = new Map<string, unknown>([
    [`${READ_ONLY}\nv1`, documentOf('*:Get*')],
    [`${READ_ONLY}\nv2`, documentOf('s3:GetObject')],
    [`${S3_READ}\nv3`, documentOf('s3:Get*')],
    [`${CUSTOMER}\nv1`, documentOf('*')],
  ]);
  const calls = { defaultVersion: 0, document: 0 };
  const failing = new Set<string>();
  const source: ManagedPolicySource = {
    defaultVersion: async (arn) => {
      calls.defaultVersion++;
      if (failing.has(`version ${arn}`)) throw new Error('ThrottlingException');
      const version = defaults.get(arn);
      if (!version) throw new Error('NoSuchEntity');
      return version;
    },
    document: async (arn, versionId) => {
      calls.document++;
      if (failing.has(`document ${arn}`)) throw new Error('ThrottlingException');
      return documents.get(`${arn}\n${versionId}`);
    },
  };
  return { source, defaults, documents, calls, failing };
}

function cache(options = { versionTtlSeconds: 300, maxDocuments: 64 }) {
  const aws = iam();
  let now = Date.parse('2026-06-01T00:00:00Z');
  const reader = new ManagedPolicyCache(aws.source, { now: () => new Date(now) }, options);
  return { aws, reader, advance: (seconds: number) => (now += seconds * 1000) };
}

describe('reading managed session policies for narrowing proofs', () => {
  it('reads AWS managed policies only: a customer policy lives where credvend holds no IAM rights', async () => {
    const { aws, reader } = cache();
    const read = await reader.read([READ_ONLY, CUSTOMER, S3_READ]);
    expect([...read.keys()]).toEqual([READ_ONLY, S3_READ]);
    expect(read.get(S3_READ)?.Statement).toEqual([{ Effect: 'Allow', Action: 's3:Get*', Resource: '*' }]);
    expect(aws.calls.defaultVersion).toBe(2);
  });

  it('keeps documents, and asks again which version is the default once its lifetime has passed', async () => {
    const { aws, reader, advance } = cache();
    await reader.read([READ_ONLY]);
    await reader.read([READ_ONLY]);
    expect(aws.calls).toEqual({ defaultVersion: 1, document: 1 });
    // An administrator makes a narrower version the default: seen after at most the lifetime.
    aws.defaults.set(READ_ONLY, 'v2');
    advance(299);
    expect((await reader.read([READ_ONLY])).get(READ_ONLY)?.Statement).toEqual([
      { Effect: 'Allow', Action: '*:Get*', Resource: '*' },
    ]);
    advance(2);
    expect((await reader.read([READ_ONLY])).get(READ_ONLY)?.Statement).toEqual([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
    ]);
    expect(aws.calls).toEqual({ defaultVersion: 2, document: 2 });
  });

  it('caches no failure: a policy unreadable now is left out of this answer and read on the next', async () => {
    const { aws, reader } = cache();
    aws.failing.add(`version ${READ_ONLY}`);
    aws.failing.add(`document ${S3_READ}`);
    expect((await reader.read([READ_ONLY, S3_READ])).size).toBe(0);
    aws.failing.clear();
    expect([...(await reader.read([READ_ONLY, S3_READ])).keys()]).toEqual([READ_ONLY, S3_READ]);
    expect(aws.calls).toEqual({ defaultVersion: 3, document: 3 });
  });

  it('keeps a document its schema refuses as unreadable, since a version never changes', async () => {
    const { aws, reader } = cache();
    aws.documents.set(`${READ_ONLY}\nv1`, { Version: '2008-10-17', Statement: 'not statements' });
    expect((await reader.read([READ_ONLY])).size).toBe(0);
    expect((await reader.read([READ_ONLY])).size).toBe(0);
    expect(aws.calls.document).toBe(1);
  });

  it('holds at most maxDocuments, evicting the oldest', async () => {
    const { aws, reader } = cache({ versionTtlSeconds: 300, maxDocuments: 1 });
    await reader.read([READ_ONLY]);
    await reader.read([S3_READ]);
    await reader.read([READ_ONLY]);
    expect(aws.calls.document).toBe(3);
  });
});
