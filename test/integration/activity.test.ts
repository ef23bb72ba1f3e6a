import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createActivityJob } from '../../src/compose/activity.js';
import { compose } from '../../src/compose/composition.js';
import { loadConfig } from '../../src/config.js';
import { LOCAL_TRAIL_BUCKET } from '../../src/local/seed-aws.js';
import { type ActivityWire, activityWire, policySuggestionWire } from '../../src/wire/activity.js';
import { credentialsResponseWire } from '../../src/wire/credentials.js';
import { planResponseWire } from '../../src/wire/plan.js';
import { runCli } from '../e2e/cli-run.js';
import {
  assumedRole,
  CHAINED_KEY,
  CLOUDTRAIL_CASES,
  CREDVEND_SI,
  ISSUED_KEY,
  objectCreated,
  record,
} from '../fixtures/cloudtrail.js';
import { readWire } from '../fixtures/read-wire.js';
import { adminApp, auditApp, devToken, stack, testRuntime, userEnvironment, vendApp } from './support.js';

/**
 * The organization trail's bucket the local template names (cloudTrailBucket), written as
 * CloudTrail writes it (here by the account's operator).
 */
const TRAIL_BUCKET = LOCAL_TRAIL_BUCKET;
const LOG_FOLDER = 'AWSLogs/o-exampleorgid/222222222222/CloudTrail/us-east-1/2026/12/07';

function operatorS3(): S3Client {
  return new S3Client({
    region: 'us-east-1',
    endpoint: stack().stsEndpoint,
    forcePathStyle: true,
    credentials: stack().operator,
  });
}

describe('CloudTrail activity of a real issuance, from the trail bucket to the API and the CLI', () => {
  const audit = auditApp();
  // The ingestion job as the activity function runs it: under its template role, which may read
  // the trail bucket's log files and put activity records, nothing else.
  const job = createActivityJob(
    compose(loadConfig(stack().credvendEnv), testRuntime('198.51.100.30', 'activity')),
  );
  let auditor: string;
  let issuance: { eventId: string; accessKeyId: string; sourceIdentity: string };

  beforeAll(async () => {
    auditor = await devToken('auditor@example.com');
    const vended = await vendApp().request('/v1/credentials', {
      method: 'POST',
      headers: { authorization: `Bearer ${await devToken('alice@example.com')}` },
      body: JSON.stringify({ entitlement: 'demo-readonly', reason: 'activity test' }),
    });
    expect(vended.status).toBe(200);
    const issued = await readWire(vended, credentialsResponseWire);
    issuance = {
      eventId: issued.eventId,
      accessKeyId: issued.credentials.accessKeyId,
      sourceIdentity: issued.sourceIdentity,
    };
    await operatorS3().send(new CreateBucketCommand({ Bucket: TRAIL_BUCKET }));
  });

  /** One log file as CloudTrail delivers it: a management event, a data event, an error, a chain, a stranger. */
  async function deliverLogFile(name: string): Promise<string> {
    const now = Date.now();
    const at = (seconds: number) => new Date(now + seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    const issued = assumedRole({
      accessKeyId: issuance.accessKeyId,
      sourceIdentity: issuance.sourceIdentity,
    });
    const chained = assumedRole({
      accessKeyId: 'ASIAEXAMPLECHAINED77',
      sourceIdentity: issuance.sourceIdentity,
      role: 'deployer',
    });
    const stranger = assumedRole({ accessKeyId: 'ASIAEXAMPLESTRANGER1', sourceIdentity: 'bob@example.com' });
    const Records = [
      record(`${name}-1`, at(1), {
        eventSource: 's3.amazonaws.com',
        eventName: 'ListBuckets',
        userIdentity: issued,
      }),
      record(`${name}-2`, at(2), {
        eventSource: 's3.amazonaws.com',
        eventName: 'GetObject',
        managementEvent: false,
        eventCategory: 'Data',
        userIdentity: issued,
        resources: [{ type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::reports/q4.csv' }],
      }),
      record(`${name}-3`, at(3), {
        eventSource: 'ec2.amazonaws.com',
        eventName: 'RunInstances',
        errorCode: 'Client.UnauthorizedOperation',
        userIdentity: issued,
      }),
      record(`${name}-4`, at(4), {
        eventSource: 'lambda.amazonaws.com',
        eventName: 'UpdateFunctionCode20150331v2',
        userIdentity: chained,
      }),
      record(`${name}-5`, at(5), {
        eventSource: 's3.amazonaws.com',
        eventName: 'ListBuckets',
        userIdentity: stranger,
      }),
    ];
    const key = `${LOG_FOLDER}/222222222222_CloudTrail_us-east-1_${name} file.json.gz`;
    await operatorS3().send(
      new PutObjectCommand({ Bucket: TRAIL_BUCKET, Key: key, Body: gzipSync(JSON.stringify({ Records })) }),
    );
    return key;
  }

  const activityAt = async (path: string): Promise<ActivityWire> => {
    const response = await audit.request(path, { headers: { authorization: `Bearer ${auditor}` } });
    expect(response.status).toBe(200);
    return readWire(response, activityWire);
  };

  it('lists what the session did, and what its role chain did, once each even when S3 delivers twice', async () => {
    const key = await deliverLogFile('twice');
    await job(objectCreated(TRAIL_BUCKET, key));
    await job(objectCreated(TRAIL_BUCKET, key));

    const answer = await activityAt(`/v1/audit/events/${issuance.eventId}/activity`);
    const calls = answer.records.map((r) => [r.action, r.attribution, r.errorCode ?? '']);
    expect(calls).toEqual([
      ['ListBuckets', 'session', ''],
      ['GetObject', 'session', ''],
      ['RunInstances', 'session', 'Client.UnauthorizedOperation'],
      ['UpdateFunctionCode20150331v2', 'role-chain', ''],
    ]);
    expect(answer.records.every((r) => r.issuanceEventId === issuance.eventId)).toBe(true);
    expect(answer.records[1]?.resources).toEqual(['arn:aws:s3:::reports/q4.csv']);

    const byKey = await activityAt(`/v1/audit/activity?accessKeyId=${issuance.accessKeyId}`);
    expect(byKey.records.map((r) => r.eventId)).toEqual(answer.records.map((r) => r.eventId));
  });

  it('suggests the session policy of what was done, which the plan endpoint then accepts', async () => {
    const admin = await devToken('admin@example.com');
    const response = await adminApp().request('/v1/entitlements/demo-readonly/suggested-policy?days=1', {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(response.status).toBe(200);
    const suggestion = await readWire(response, policySuggestionWire);
    expect(suggestion).toMatchObject({ entitlementId: 'demo-readonly', days: 1, narrows: true });
    expect(suggestion.policy).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::reports/q4.csv'] },
        { Effect: 'Allow', Action: ['s3:ListAllMyBuckets'], Resource: ['*'] },
      ],
    });

    const plan = await vendApp().request('/v1/credentials/plan', {
      method: 'POST',
      headers: { authorization: `Bearer ${await devToken('alice@example.com')}` },
      body: JSON.stringify({ entitlement: 'demo-readonly', sessionPolicy: suggestion.policy }),
    });
    expect(plan.status).toBe(200);

    const dir = await mkdtemp(join(tmpdir(), 'suggest-cli-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const cli = await runCli(['suggest-policy', 'demo-readonly', '--days', '1'], userEnvironment(dir, admin));
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout)).toEqual(suggestion.policy);
    expect(cli.stderr).toMatch(/^narrows demo-readonly's ceiling/);

    // The printed policy goes straight into the caller's dry run.
    await writeFile(join(dir, 'suggested.json'), cli.stdout);
    const dryRun = await runCli(
      ['plan', 'demo-readonly', '--session-policy', join(dir, 'suggested.json')],
      userEnvironment(dir, await devToken('alice@example.com')),
    );
    expect(dryRun.stderr).toBe('');
    expect(planResponseWire.parse(JSON.parse(dryRun.stdout)).sessionPolicy).toEqual(suggestion.policy);
  });

  it.each([
    'days=0',
    'days=91',
    'days=1.5',
    'days=abc',
    'days=1&days=2',
    'since=2026-01-01',
  ])('answers a suggestion asked with %s with 400 problem+json', async (query) => {
    const response = await adminApp().request(`/v1/entitlements/demo-readonly/suggested-policy?${query}`, {
      headers: { authorization: `Bearer ${await devToken('admin@example.com')}` },
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('suggests only to admins', async () => {
    const response = await adminApp().request('/v1/entitlements/demo-readonly/suggested-policy', {
      headers: { authorization: `Bearer ${auditor}` },
    });
    expect(response.status).toBe(403);
  });

  it('skips a file that is not CloudTrail gzip JSON and keeps going', async () => {
    const key = `${LOG_FOLDER}/not-a-log.json.gz`;
    await operatorS3().send(new PutObjectCommand({ Bucket: TRAIL_BUCKET, Key: key, Body: 'plain text' }));
    await expect(job(objectCreated(TRAIL_BUCKET, key))).resolves.toBeUndefined();
  });

  it.each([
    ['an event id that is no ULID', '/v1/audit/events/not-an-id/activity'],
    ['an event id with a path trick', '/v1/audit/events/..%2F..%2Fentitlements/activity'],
    ['neither key nor grant', '/v1/audit/activity'],
    [
      'both key and grant',
      '/v1/audit/activity?accessKeyId=ASIAEXAMPLE00000001&accessRequest=01JF3Z8Q6W7X2Y9ABCDEFGHJKM',
    ],
    ['a lower-case key', '/v1/audit/activity?accessKeyId=asiaexample00000001'],
    ['a key with an expression', '/v1/audit/activity?accessKeyId=ASIA%27%20OR%201%3D1'],
    ['a grant id with a wildcard', '/v1/audit/activity?accessRequest=*'],
    ['an unknown parameter', '/v1/audit/activity?accessKeyId=ASIAEXAMPLE00000001&limit=5'],
    [
      'a repeated parameter',
      '/v1/audit/activity?accessKeyId=ASIAEXAMPLE00000001&accessKeyId=ASIAEXAMPLE00000002',
    ],
  ])('answers %s with 400 problem+json', async (_name, path) => {
    const response = await audit.request(path, { headers: { authorization: `Bearer ${auditor}` } });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('is for auditors only', async () => {
    const response = await audit.request(`/v1/audit/events/${issuance.eventId}/activity`, {
      headers: { authorization: `Bearer ${await devToken('alice@example.com')}` },
    });
    expect(response.status).toBe(403);
  });

  it('is what `credvend audit activity` prints, by event id and by access key id', async () => {
    const home = await mkdtemp(join(tmpdir(), 'activity-cli-'));
    onTestFinished(() => rm(home, { recursive: true, force: true }));
    const env = userEnvironment(home, auditor);
    const json = await runCli(['--json', 'audit', 'activity', issuance.eventId], env);
    expect(json.stderr).toBe('');
    const printed = activityWire.parse(JSON.parse(json.stdout));
    expect(printed.records.map((r) => r.action)).toContain('UpdateFunctionCode20150331v2');

    const table = await runCli(['audit', 'activity', issuance.accessKeyId], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^TIME\s+SERVICE\s+ACTION/);
    expect(table.stdout).toContain('arn:aws:s3:::reports/q4.csv');

    const wrong = await runCli(['audit', 'activity', 'not an id'], env);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/neither an audit event id/);
  });

  it('attributes each of the fixture table’s event shapes as the table says, delivered through the trail bucket', async () => {
    // The table's shapes (management and data events, errors, a chain, strangers, a broken
    // record) carried over to this stack's real issuance: its key, its SourceIdentity, and
    // times inside its session.
    const now = Date.now();
    const chainedKey = 'ASIAEXAMPLECHAINED12';
    const Records = CLOUDTRAIL_CASES.map((entry, index) => {
      const text = JSON.stringify(entry.record)
        .replaceAll(ISSUED_KEY, issuance.accessKeyId)
        .replaceAll(CREDVEND_SI, issuance.sourceIdentity)
        .replaceAll(CHAINED_KEY, chainedKey)
        .replaceAll('"eventID":"e-', '"eventID":"shapes-e-');
      const shaped: Record<string, unknown> = JSON.parse(text);
      if ('eventTime' in shaped) shaped.eventTime = new Date(now + (20 + index) * 1000).toISOString();
      return shaped;
    });
    const key = `${LOG_FOLDER}/222222222222_CloudTrail_us-east-1_shapes.json.gz`;
    await operatorS3().send(
      new PutObjectCommand({ Bucket: TRAIL_BUCKET, Key: key, Body: gzipSync(JSON.stringify({ Records })) }),
    );
    await job(objectCreated(TRAIL_BUCKET, key));

    const answer = await activityAt(`/v1/audit/events/${issuance.eventId}/activity`);
    const listed = answer.records
      .filter((r) => r.eventId.startsWith('shapes-'))
      .map((r) => [r.eventId, r.attribution, r.errorCode ?? '']);
    const expected = CLOUDTRAIL_CASES.filter((entry) => entry.attributed !== undefined).map((entry) => [
      `shapes-${entry.record.eventID}`,
      entry.attributed === CHAINED_KEY ? 'role-chain' : 'session',
      'errorCode' in entry.record ? entry.record.errorCode : '',
    ]);
    expect(CLOUDTRAIL_CASES.length).toBeGreaterThanOrEqual(10);
    expect(expected.length).toBeGreaterThan(0);
    expect(listed).toEqual(expected);
    const dataEvent = answer.records.find((r) => r.eventId === 'shapes-e-06');
    expect(dataEvent?.resources).toEqual(['arn:aws:dynamodb:us-east-1:222222222222:table/orders']);
  });
});
