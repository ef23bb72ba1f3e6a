import { describe, expect, it } from 'vitest';
import { InMemoryActivityStore } from '../../src/domain/activity/fakes.js';
import { ingestLogFile } from '../../src/domain/activity/ingest.js';
import {
  iamActionOf,
  SUGGESTION_ISSUANCE_LIMIT,
  suggestPolicy,
} from '../../src/domain/activity/suggest-policy.js';
import type { PolicyDocument } from '../../src/domain/policy/document.js';
import { statementsOf } from '../../src/domain/policy/policy.js';
import {
  assumedRole,
  CLOUDTRAIL_CASES,
  CREDVEND_SI,
  ISSUANCE_OF_CASES as issuance,
  record,
} from '../fixtures/cloudtrail.js';
import { entitlement } from './fixtures.js';

const allow = (Action: string[]): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action, Resource: '*' }],
});

async function storeWithCases(): Promise<InMemoryActivityStore> {
  const store = new InMemoryActivityStore();
  await ingestLogFile(store, { Records: CLOUDTRAIL_CASES.map((c) => c.record) });
  return store;
}

describe('least privilege from activity', () => {
  it('allows exactly the allowed calls made with the issued keys, and proves it narrows the ceiling', async () => {
    const ceiling = allow(['s3:*', 'sts:AssumeRole', 'dynamodb:GetItem', 'ec2:*', 'kms:*', 'lambda:*']);
    const suggestion = await suggestPolicy(
      entitlement({ sessionPolicy: ceiling }),
      { issuances: [issuance], complete: true },
      await storeWithCases(),
    );
    expect(suggestion.narrows).toBe(true);
    const allowed = statementsOf(suggestion.policy ?? allow([]))
      .flatMap((s) => [s.Action ?? []].flat())
      .sort();
    // Refused calls (RunInstances, Decrypt) and the role chain's UpdateFunctionCode are left out.
    expect(allowed).toEqual(['dynamodb:GetItem', 's3:GetObject', 's3:ListAllMyBuckets', 'sts:AssumeRole']);
    const getObject = statementsOf(suggestion.policy ?? allow([])).find((s) =>
      s.Action?.includes('s3:GetObject'),
    );
    expect(getObject?.Resource).toEqual(['arn:aws:s3:::reports', 'arn:aws:s3:::reports/q4.csv']);
    expect(suggestion).toMatchObject({ issuancesRead: 1, truncated: false, callsRead: 4 });
  });

  it('says why, instead of offering it, when the calls go beyond the ceiling', async () => {
    const suggestion = await suggestPolicy(
      entitlement({ sessionPolicy: allow(['s3:*']) }),
      { issuances: [issuance], complete: true },
      await storeWithCases(),
    );
    expect(suggestion.narrows).toBe(false);
    expect(suggestion.reason).toMatch(/outside the entitlement's policy/);
  });

  it('cannot prove anything under managed-policy ceilings, and says so', async () => {
    const suggestion = await suggestPolicy(
      entitlement({ managedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] }),
      { issuances: [issuance], complete: true },
      await storeWithCases(),
    );
    expect(suggestion).toMatchObject({
      narrows: false,
      reason: expect.stringMatching(/managed session policies/),
    });
  });

  it('narrows the role itself when the entitlement has no ceiling', async () => {
    const suggestion = await suggestPolicy(
      entitlement({}),
      { issuances: [issuance], complete: true },
      await storeWithCases(),
    );
    expect(suggestion.narrows).toBe(true);
  });

  it('suggests nothing from no activity, and says when it read only the newest issuances', async () => {
    const many = Array.from({ length: SUGGESTION_ISSUANCE_LIMIT + 1 }, () => issuance);
    const suggestion = await suggestPolicy(
      entitlement({}),
      { issuances: many, complete: true },
      new InMemoryActivityStore(),
    );
    expect(suggestion).toMatchObject({
      narrows: false,
      truncated: true,
      issuancesRead: SUGGESTION_ISSUANCE_LIMIT,
    });
    expect(suggestion.policy).toBeUndefined();
  });

  it.each([
    [{ service: 'lambda', action: 'UpdateFunctionCode20150331v2' }, 'lambda:UpdateFunctionCode'],
    [{ service: 's3', action: 'ListObjectsV2' }, 's3:ListBucket'],
    [{ service: 's3', action: 'HeadObject' }, 's3:GetObject'],
    [{ service: 'monitoring', action: 'GetMetricData' }, 'cloudwatch:GetMetricData'],
    [{ service: 'dynamodb', action: 'Query' }, 'dynamodb:Query'],
  ])('names %j as the IAM action %s', (record, action) => {
    expect(iamActionOf(record)).toBe(action);
  });

  it('keeps calls that failed for other reasons than a refusal: AWS allowed them', async () => {
    const store = new InMemoryActivityStore();
    const call = (id: string, eventName: string, errorCode?: string) =>
      record(id, '2026-12-07T10:10:00Z', {
        eventSource: 's3.amazonaws.com',
        eventName,
        userIdentity: assumedRole({ accessKeyId: issuance.accessKeyId ?? '', sourceIdentity: CREDVEND_SI }),
        ...(errorCode ? { errorCode } : {}),
      });
    await ingestLogFile(store, {
      Records: [
        call('a', 'GetObject', 'NoSuchKey'),
        call('b', 'PutObject', 'AccessDenied'),
        call('c', 'HeadBucket'),
      ],
    });
    const suggestion = await suggestPolicy(entitlement({}), { issuances: [issuance], complete: true }, store);
    expect(statementsOf(suggestion.policy ?? allow([])).flatMap((s) => [s.Action ?? []].flat())).toEqual([
      's3:GetObject',
      's3:ListBucket',
    ]);
  });

  it('says it read only part of the window when the audit pages ran out', async () => {
    const suggestion = await suggestPolicy(
      entitlement({}),
      { issuances: [issuance], complete: false },
      await storeWithCases(),
    );
    expect(suggestion).toMatchObject({ truncated: true, issuancesRead: 1 });
  });
});
