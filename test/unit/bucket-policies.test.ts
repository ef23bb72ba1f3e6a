import { describe, expect, it } from 'vitest';
import { BucketPolicies } from '../../src/local/iam-gate/bucket-policies.js';
import { readWire } from '../../src/local/iam-gate/wire.js';

// The gate keeps bucket policies instead of moto (whose S3 drops a Deny's Condition), so its
// answers are the only S3 the SDK and the AWS CLI see for them: they must carry S3's status
// codes and error codes, or a client reads a missing policy as a failure, or a bad one as set.
const EXISTING = 'credvend-digests';
const exists = (bucket: string) => bucket === EXISTING;
const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*' }],
});

function request(method: string, bucket: string, query = 'policy', body = '') {
  return {
    wire: readWire(
      { method, rawPath: `/${bucket}`, rawQuery: query, headers: {}, body: Buffer.from(body) },
      's3',
    ),
    body: Buffer.from(body),
  };
}

function serve(policies: BucketPolicies, method: string, bucket: string, body = '') {
  const { wire, body: bytes } = request(method, bucket, 'policy', body);
  return policies.serve(wire, bytes, exists);
}

const errorCode = (xml: string) => /<Code>([^<]+)<\/Code>/.exec(xml)?.[1];

describe('the gate’s bucket policies', () => {
  it('keeps a policy put on a bucket and answers it to GetBucketPolicy', () => {
    const policies = new BucketPolicies();
    expect(serve(policies, 'PUT', EXISTING, POLICY)?.status).toBe(204);
    expect(serve(policies, 'GET', EXISTING)).toEqual({
      status: 200,
      contentType: 'application/json',
      body: POLICY,
    });
    expect(policies.get(EXISTING)).toBe(POLICY);
  });

  it.each([
    ['not JSON', '{"Version":'],
    ['a JSON array', '[]'],
    ['JSON not starting with {', ' "policy"'],
  ])('refuses a policy that is %s with 400 MalformedPolicy and keeps the one before', (_name, body) => {
    const policies = new BucketPolicies();
    serve(policies, 'PUT', EXISTING, POLICY);
    const answer = serve(policies, 'PUT', EXISTING, body);
    expect(answer?.status).toBe(400);
    expect(errorCode(answer?.body ?? '')).toBe('MalformedPolicy');
    expect(policies.get(EXISTING)).toBe(POLICY);
  });

  it('answers 404 NoSuchBucketPolicy for a bucket without one, and after DeleteBucketPolicy', () => {
    const policies = new BucketPolicies();
    const before = serve(policies, 'GET', EXISTING);
    expect([before?.status, errorCode(before?.body ?? '')]).toEqual([404, 'NoSuchBucketPolicy']);
    serve(policies, 'PUT', EXISTING, POLICY);
    expect(serve(policies, 'DELETE', EXISTING)?.status).toBe(204);
    const after = serve(policies, 'GET', EXISTING);
    expect([after?.status, errorCode(after?.body ?? '')]).toEqual([404, 'NoSuchBucketPolicy']);
    expect(policies.get(EXISTING)).toBeUndefined();
  });

  it.each([
    'GET',
    'PUT',
    'DELETE',
  ])('answers %s on a bucket that does not exist with 404 NoSuchBucket', (method) => {
    const policies = new BucketPolicies();
    const answer = serve(policies, method, 'no-such-bucket', POLICY);
    expect([answer?.status, errorCode(answer?.body ?? '')]).toEqual([404, 'NoSuchBucket']);
    expect(policies.get('no-such-bucket')).toBeUndefined();
  });

  it('escapes the bucket name in its XML errors', () => {
    const answer = serve(new BucketPolicies(), 'GET', 'a<b>&c');
    expect(answer?.body).toContain('<BucketName>a&#60;b&#62;&#38;c</BucketName>');
  });

  it.each([
    ['an object request', 'PUT', `${EXISTING}/key`, 'policy'],
    ['a bucket request for something else', 'PUT', EXISTING, 'versioning'],
    ['a list of buckets', 'GET', '', 'policy'],
  ])('leaves %s to moto', (_name, method, path, query) => {
    const { wire, body } = request(method, path, query, POLICY);
    expect(new BucketPolicies().serve(wire, body, exists)).toBeUndefined();
  });
});
