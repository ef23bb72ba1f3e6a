import { describe, expect, it } from 'vitest';
import {
  ACTIVITY_LIMIT,
  activityOfIssuance,
  activityOfIssuances,
} from '../../src/domain/activity/activity.js';
import { activityOf } from '../../src/domain/activity/cloudtrail.js';
import { InMemoryActivityStore } from '../../src/domain/activity/fakes.js';
import {
  ingestLogFile,
  isCloudTrailLogKey,
  UnreadableLogFileError,
} from '../../src/domain/activity/ingest.js';
import {
  assumedRole,
  CHAINED_KEY,
  CLOUDTRAIL_CASES,
  CREDVEND_SI,
  ISSUED_KEY,
  ISSUANCE_OF_CASES as issuance,
  record,
} from '../fixtures/cloudtrail.js';

describe('CloudTrail records', () => {
  it.each(CLOUDTRAIL_CASES)('$name', ({ record, attributed }) => {
    expect(activityOf(record)?.accessKeyId).toBe(attributed);
  });

  it('keeps what a person reads: service, action, resources, error, source address', () => {
    const getObject = activityOf(CLOUDTRAIL_CASES[1].record);
    expect(getObject).toMatchObject({
      service: 's3',
      action: 'GetObject',
      resources: ['arn:aws:s3:::reports/q4.csv', 'arn:aws:s3:::reports'],
      sourceIp: '203.0.113.7',
      roleArn: 'arn:aws:iam::222222222222:role/credvend-readonly',
    });
    expect(activityOf(CLOUDTRAIL_CASES[2].record)?.errorCode).toBe('Client.UnauthorizedOperation');
  });

  it('reads only log files under the prefix, never digests', () => {
    const log = 'AWSLogs/o-abc/222222222222/CloudTrail/us-east-1/2026/12/07/x.json.gz';
    expect(isCloudTrailLogKey(log, 'AWSLogs/o-abc/')).toBe(true);
    expect(isCloudTrailLogKey(log, 'AWSLogs/o-other/')).toBe(false);
    expect(isCloudTrailLogKey(log.replace('/CloudTrail/', '/CloudTrail-Digest/'), '')).toBe(false);
  });
});

describe('ingestion and attribution', () => {
  const file = { Records: CLOUDTRAIL_CASES.map((c) => c.record) };
  const credvendRecords = CLOUDTRAIL_CASES.filter((c) => c.attributed).length;

  it('stores the records of credvend sessions once, however often the file is delivered', async () => {
    const store = new InMemoryActivityStore();
    expect(await ingestLogFile(store, file)).toEqual({
      records: CLOUDTRAIL_CASES.length,
      attributed: credvendRecords,
      stored: credvendRecords,
      duplicates: 0,
    });
    expect(await ingestLogFile(store, file)).toMatchObject({ stored: 0, duplicates: credvendRecords });
  });

  it('refuses a file that is not a CloudTrail log', async () => {
    await expect(ingestLogFile(new InMemoryActivityStore(), { records: [] })).rejects.toThrow(
      UnreadableLogFileError,
    );
    await expect(ingestLogFile(new InMemoryActivityStore(), 'x')).rejects.toThrow(UnreadableLogFileError);
  });

  it("an issuance's activity: its key's calls, then the role chain's, within its validity", async () => {
    const store = new InMemoryActivityStore();
    await ingestLogFile(store, file);
    const { records, truncated } = await activityOfIssuance(store, issuance);
    expect(truncated).toBe(false);
    expect(records.map((r) => [r.eventId, r.attribution])).toEqual([
      ['e-01', 'session'],
      ['e-02', 'session'],
      ['e-03', 'session'],
      ['e-04', 'session'],
      ['e-05', 'role-chain'],
      ['e-06', 'session'],
      ['e-07', 'session'],
    ]);
    expect(records.find((r) => r.eventId === 'e-05')?.accessKeyId).toBe(CHAINED_KEY);
    // After the issued credentials expired, a chain from another issuance is not this one's.
    const earlier = { ...issuance, expiration: '2026-12-07T10:04:30.000Z' };
    expect((await activityOfIssuance(store, earlier)).records.map((r) => r.eventId)).not.toContain('e-05');
  });

  it('an issuance without an access key (a denial) did nothing', async () => {
    const store = new InMemoryActivityStore();
    await ingestLogFile(store, file);
    const { accessKeyId: _, ...denied } = issuance;
    expect((await activityOfIssuance(store, { ...denied, outcome: 'denied' })).records).toEqual([]);
  });

  it('the activity of a grant: each issuance named, a chained call shown once under the first issuance', async () => {
    const store = new InMemoryActivityStore();
    await ingestLogFile(store, file);
    // A second issuance of the same caller whose validity overlaps the chain's call (e-05).
    const second = {
      ...issuance,
      eventId: '01JF3Z8Q6W7X2Y9ABCDEFGHJKN',
      accessKeyId: 'ASIAEXAMPLESECOND001',
    };
    const denied = { ...issuance, eventId: '01JF3Z8Q6W7X2Y9ABCDEFGHJKP', outcome: 'denied' as const };
    const { issuances, records, truncated } = await activityOfIssuances(store, [issuance, second, denied]);
    expect(issuances.map((i) => i.eventId)).toEqual([issuance.eventId, second.eventId]);
    expect(truncated).toBe(false);
    const chained = records.filter((r) => r.eventId === 'e-05');
    expect(chained).toHaveLength(1);
    expect(chained[0]?.issuanceEventId).toBe(issuance.eventId);
    expect(records.map((r) => r.time)).toEqual([...records.map((r) => r.time)].sort());
  });

  it('an issuance without a SourceIdentity or expiry has no role chain to follow', async () => {
    const store = new InMemoryActivityStore();
    await ingestLogFile(store, file);
    const { sourceIdentity: _, ...bare } = issuance;
    const { records } = await activityOfIssuance(store, bare);
    expect(records.every((r) => r.attribution === 'session')).toBe(true);
    expect(records.length).toBeGreaterThan(0);
  });

  it('says when an issuance did more than one answer carries', async () => {
    const store = new InMemoryActivityStore();
    const many = Array.from({ length: ACTIVITY_LIMIT + 1 }, (_, n) =>
      record(`bulk-${String(n).padStart(4, '0')}`, '2026-12-07T10:30:00Z', {
        eventSource: 's3.amazonaws.com',
        eventName: 'GetObject',
        userIdentity: assumedRole({ accessKeyId: ISSUED_KEY, sourceIdentity: CREDVEND_SI }),
      }),
    );
    await ingestLogFile(store, { Records: many });
    const answer = await activityOfIssuance(store, issuance);
    expect(answer).toMatchObject({ truncated: true });
    expect(answer.records).toHaveLength(ACTIVITY_LIMIT);
    expect((await activityOfIssuances(store, [issuance])).truncated).toBe(true);
  });
});
