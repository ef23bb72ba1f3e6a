import { AssumeRoleCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { StsRoleAssumer, toAssumeRoleInput } from '../../src/aws/sts-role-assumer.js';
import {
  StsAccessDeniedError,
  StsRejectedRequestError,
  StsThrottledError,
  StsUnavailableError,
} from '../../src/domain/shared/errors.js';
import type { IssuancePlan } from '../../src/domain/shared/types.js';

const plan: IssuancePlan = {
  entitlementId: 'e',
  accountId: '222222222222',
  roleArn: 'arn:aws:iam::222222222222:role/reader',
  durationSeconds: 900,
  durationBoundBy: 'request',
  sessionName: 'alice@example.com',
  sourceIdentity: 'alice@example.com',
  sessionPolicy:
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}',
  policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
  sessionPolicyChars: 120,
  tags: [{ key: 'team', value: 'platform' }],
  transitiveTagKeys: ['team'],
  externalId: 'ext-123',
};

function serviceError(name: string, status = 400): STSServiceException {
  return new STSServiceException({
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: status },
    message: `${name} happened`,
  });
}

describe('StsRoleAssumer', () => {
  const sts = mockClient(STSClient);
  beforeEach(() => sts.reset());

  it('sends exactly the plan: policy, ARNs, tags, transitive keys, ExternalId, SourceIdentity', async () => {
    // moto neither enforces session policies nor echoes SourceIdentity, so the request itself is the proof.
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'ASIA1',
        SecretAccessKey: 's',
        SessionToken: 't',
        Expiration: new Date('2026-01-01T00:15:00Z'),
      },
      AssumedRoleUser: {
        Arn: 'arn:aws:sts::222222222222:assumed-role/reader/alice@example.com',
        AssumedRoleId: 'AROA:alice',
      },
      PackedPolicySize: 12,
      $metadata: { requestId: 'sts-req-1' },
    });
    const assumed = await new StsRoleAssumer(new STSClient({ region: 'us-east-1' })).assumeRole(plan);

    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input).toEqual({
      RoleArn: plan.roleArn,
      RoleSessionName: 'alice@example.com',
      DurationSeconds: 900,
      SourceIdentity: 'alice@example.com',
      Policy: plan.sessionPolicy,
      PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }],
      Tags: [{ Key: 'team', Value: 'platform' }],
      TransitiveTagKeys: ['team'],
      ExternalId: 'ext-123',
    });
    expect(assumed).toMatchObject({ packedPolicySize: 12, stsRequestId: 'sts-req-1' });
    expect(assumed.credentials.expiration.toISOString()).toBe('2026-01-01T00:15:00.000Z');
  });

  it('omits optional fields the plan does not have', () => {
    const input = toAssumeRoleInput({
      ...plan,
      sessionPolicy: undefined,
      policyArns: [],
      tags: [],
      transitiveTagKeys: [],
      externalId: undefined,
    });
    expect(Object.keys(input).sort()).toEqual([
      'DurationSeconds',
      'RoleArn',
      'RoleSessionName',
      'SourceIdentity',
    ]);
  });

  it.each([
    ['AccessDenied', 403, StsAccessDeniedError],
    ['PackedPolicyTooLarge', 400, StsRejectedRequestError],
    ['MalformedPolicyDocument', 400, StsRejectedRequestError],
    ['Throttling', 400, StsThrottledError],
    ['SomethingNew', 429, StsThrottledError],
    ['InternalFailure', 500, StsUnavailableError],
    ['ExpiredTokenException', 400, StsUnavailableError],
  ])('maps %s (%i)', async (name, status, type) => {
    sts.on(AssumeRoleCommand).rejects(serviceError(name, status));
    const error = await new StsRoleAssumer(new STSClient({ region: 'us-east-1', maxAttempts: 1 }))
      .assumeRole(plan)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    if (error instanceof StsRejectedRequestError) expect(error.stsErrorName).toBe(name);
  });

  it('maps a timeout to STS unavailable', async () => {
    sts.on(AssumeRoleCommand).rejects(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
    await expect(
      new StsRoleAssumer(new STSClient({ region: 'us-east-1' })).assumeRole(plan),
    ).rejects.toBeInstanceOf(StsUnavailableError);
  });

  it('refuses an answer without a session token', async () => {
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'ASIA1',
        SecretAccessKey: 's',
        SessionToken: undefined,
        Expiration: new Date(),
      } as never,
      AssumedRoleUser: { Arn: 'arn', AssumedRoleId: 'id' },
    });
    await expect(
      new StsRoleAssumer(new STSClient({ region: 'us-east-1' })).assumeRole(plan),
    ).rejects.toBeInstanceOf(StsUnavailableError);
  });
});
