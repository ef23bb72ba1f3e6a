import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Hono } from 'hono';
import { describe, expect, inject, it } from 'vitest';
import { DIGEST_WRITTEN_PATTERN, scheduleSeconds } from '../../deploy/harden-template.js';
import { logAuditFailure } from '../../src/compose/composition.js';
import { logDigestRun } from '../../src/compose/digest.js';
import { logStillDue } from '../../src/compose/revocation-sweep.js';
import type { AccessRequestNotice } from '../../src/domain/access-requests/ports.js';
import {
  AuditUnavailableError,
  NotEntitledError,
  RateLimitedError,
  StsThrottledError,
} from '../../src/domain/shared/errors.js';
import type { AppEnv } from '../../src/http/app-env.js';
import { errorHandler, requestId } from '../../src/http/middleware.js';
import { createLogger } from '../../src/logging.js';
import { breakGlassLogSink } from '../../src/notify/log-sink.js';

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}

/**
 * CloudWatch Logs' JSON filter patterns, only the shapes the template uses:
 * `{ $.field = "value" }` and `{ (…) || (…) }`. Anything else is refused, so a new pattern
 * gets a matcher here before it gets a test.
 */
function jsonFilter(pattern: string): (line: string) => boolean {
  const body = /^\{\s*(.*?)\s*\}$/.exec(pattern)?.[1];
  if (body === undefined) throw new Error(`not a JSON filter pattern: ${pattern}`);
  const terms = body.split('||').map((term) => {
    const match = /^\(?\s*\$\.(\w+)\s*=\s*"([^"]*)"\s*\)?$/.exec(term.trim());
    if (!match) throw new Error(`unsupported term ${term} in ${pattern}`);
    return { field: match[1] ?? '', value: match[2] ?? '' };
  });
  return (line) => {
    const event: unknown = JSON.parse(line);
    if (!event || typeof event !== 'object') return false;
    return terms.some(({ field, value }) => (event as Record<string, unknown>)[field] === value);
  };
}

/** The log lines the real error handler writes for `error`, on a request API Gateway numbered `awsRequestId`. */
async function linesFor(error: Error, awsRequestId: string): Promise<string[]> {
  const lines: string[] = [];
  // warn: the quiet level an operator might choose; the alarms must still see their lines.
  const logger = createLogger('warn', (line) => lines.push(line));
  const app = new Hono<AppEnv>();
  app.use(requestId);
  app.onError(errorHandler(logger));
  app.get('/x', () => {
    throw error;
  });
  await app.request('/x', {}, { requestContext: { requestId: awsRequestId } });
  return lines;
}

describe('alarms', () => {
  const packaged = inject('packaged');

  it('count the log lines of the failures they are named for, each carrying the request id', async () => {
    const template = JSON.parse(
      await readFile(join(packaged.defaults, 'cloudformation-template-update-stack.json'), 'utf8'),
    ) as { Resources: Record<string, Resource> };
    const runbooks = await readFile('docs/operations/alarms-and-runbook.md', 'utf8');
    const filters = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Logs::MetricFilter');
    const metricOf = (r: Resource) =>
      (r.Properties.MetricTransformations as Array<{ MetricName: string }>)[0]?.MetricName ?? '';
    const patternFor = (metric: string) => {
      const patterns = new Set(
        filters.filter((f) => metricOf(f) === metric).map((f) => f.Properties.FilterPattern),
      );
      expect(patterns.size, metric).toBe(1);
      return jsonFilter(String([...patterns][0]));
    };
    const deniedLines: string[] = [];
    logAuditFailure(createLogger('warn', (line) => deniedLines.push(line)))(new Error('throttled'), {
      eventId: 'e1',
      time: new Date().toISOString(),
      action: 'credentials.issue',
      outcome: 'denied',
      requestId: 'req-denied',
      principal: 'p',
      authMethod: 'oidc',
      problemCode: 'not-entitled',
    });
    const sweepLines: string[] = [];
    const stillDue = logStillDue(
      createLogger('warn', (line) => sweepLines.push(line)),
      'req-sweep',
    );
    stillDue('grant')('ar-1', new Error('AccessDenied'));
    stillDue('issuance')('e-1', new Error('Throttling'));
    const glassLines: string[] = [];
    const glass = breakGlassLogSink(createLogger('warn', (line) => glassLines.push(line)));
    await glass.deliver(notice('break-glass', true));
    // Only the grant opening counts: its review, or an ordinary grant, is no alarm.
    const quietGlass: string[] = [];
    const quiet = breakGlassLogSink(createLogger('debug', (line) => quietGlass.push(line)));
    await quiet.deliver(notice('reviewed', false));
    await quiet.deliver(notice('approved', false));
    expect(quietGlass).toEqual([]);
    const cases = {
      AuditWriteFailures: [
        ...(await linesFor(new AuditUnavailableError('audit write failed'), 'req-audit')),
        ...deniedLines,
      ],
      StsThrottled: await linesFor(new StsThrottledError(2), 'req-sts'),
      QuotaRefusals: await linesFor(new RateLimitedError('caller', 30), 'req-quota'),
      RevocationsStillDue: sweepLines,
      BreakGlassGrants: glassLines,
    };
    const unrelated = await linesFor(new NotEntitledError('no entitlement'), 'req-denial');
    for (const [metric, lines] of Object.entries(cases)) {
      const matches = patternFor(metric);
      expect(lines.length, metric).toBeGreaterThan(0);
      for (const line of lines) {
        expect(matches(line), `${metric}: ${line}`).toBe(true);
        // A request's lines carry its id; a break-glass line names the access request instead.
        const { requestId, accessRequestId } = JSON.parse(line);
        expect(requestId ?? accessRequestId, line).toMatch(/^(req-|ar-)/);
      }
      for (const [other, otherLines] of Object.entries(cases)) {
        if (other !== metric)
          for (const line of otherLines) expect(matches(line), `${metric}: ${line}`).toBe(false);
      }
      for (const line of unrelated) expect(matches(line)).toBe(false);
    }
    // Every function's log group feeds the audit-failure metric; each function has an error alarm.
    const groups = Object.entries(template.Resources).filter(
      ([, r]) =>
        r.Type === 'AWS::Logs::LogGroup' && String(r.Properties.LogGroupName).startsWith('/aws/lambda/'),
    );
    const functions = Object.entries(template.Resources).filter(
      ([, r]) => r.Type === 'AWS::Lambda::Function',
    );
    for (const [id] of groups)
      expect(
        filters.some((f) => JSON.stringify(f.Properties.LogGroupName) === JSON.stringify({ Ref: id })),
        id,
      ).toBe(true);
    const alarms = Object.values(template.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    for (const [id] of functions)
      expect(
        alarms.some(
          (a) =>
            JSON.stringify(a.Properties.Dimensions) ===
            JSON.stringify([{ Name: 'FunctionName', Value: { Ref: id } }]),
        ),
        id,
      ).toBe(true);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions, String(alarm.Properties.AlarmDescription)).toEqual([
        { 'Fn::If': ['CreatesAlarmTopic', { Ref: 'AlarmTopic' }, ''] },
      ]);
      const runbook = /runbook \(docs\/operations\/alarms-and-runbook\.md\): ([\w -]+)$/.exec(
        String(alarm.Properties.AlarmDescription),
      )?.[1];
      expect(runbooks, `runbook for ${String(alarm.Properties.AlarmDescription)}`).toContain(
        `\n## Alarm: ${runbook}\n`,
      );
    }
    // Single-metric alarms by metric; the metric-math ones (DynamoDB throttling per table) by
    // the metrics they combine.
    const tables = Object.values(template.Resources).filter((r) => r.Type === 'AWS::DynamoDB::Table');
    expect(alarms.map((a) => a.Properties.MetricName ?? 'math').sort()).toEqual(
      [
        '5xx',
        'AuditWriteFailures',
        'QuotaRefusals',
        'StsThrottled',
        'RevocationsStillDue',
        'BreakGlassGrants',
        'IteratorAge',
        'DigestsWritten',
        ...functions.map(() => 'Errors'),
        ...tables.map(() => 'math'),
      ].sort(),
    );
  });

  it('watch every table for throttling and the digest function for a digest that stops arriving', async () => {
    const template = JSON.parse(
      await readFile(join(packaged.defaults, 'cloudformation-template-update-stack.json'), 'utf8'),
    ) as { Resources: Record<string, Resource & { Condition?: string }> };
    type Metric = {
      Id: string;
      Expression?: string;
      MetricStat?: { Metric: Record<string, unknown>; Period: number };
    };
    const metricsOf = (id: string) => (template.Resources[id]?.Properties.Metrics ?? []) as Metric[];
    for (const [id, table] of Object.entries(template.Resources)) {
      if (table.Type !== 'AWS::DynamoDB::Table') continue;
      const alarm = template.Resources[`${id}ThrottlingAlarm`];
      expect(alarm?.Condition, id).toBe(table.Condition);
      const watched = metricsOf(`${id}ThrottlingAlarm`).flatMap((m) =>
        m.MetricStat ? [m.MetricStat.Metric] : [],
      );
      expect(watched).toEqual(
        ['ReadThrottleEvents', 'WriteThrottleEvents'].map((MetricName) => ({
          Namespace: 'AWS/DynamoDB',
          MetricName,
          Dimensions: [{ Name: 'TableName', Value: { Ref: id } }],
        })),
      );
      expect(metricsOf(`${id}ThrottlingAlarm`).find((m) => m.Expression)?.Expression).toBe('reads + writes');
    }
    // Digest overdue: fewer than one digest written in three intervals of rate(5 minutes) (15
    // minutes), counted from the digest function's own log line; silence counts as overdue.
    const overdue = template.Resources.DigestOverdueAlarm?.Properties ?? {};
    expect(overdue).toMatchObject({
      TreatMissingData: 'breaching',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      EvaluationPeriods: 1,
      Namespace: 'credvend/test',
      MetricName: 'DigestsWritten',
      Statistic: 'Sum',
      Period: 900,
    });
    // The filter counts the digest function's line for a digest written, and nothing else it logs.
    const digestLines: string[] = [];
    const logRun = logDigestRun(createLogger('info', (line) => digestLines.push(line)));
    const head = { chainId: 'c1', seq: 3, hash: 'a'.repeat(64), time: '2026-12-07T10:00:00.000Z' };
    logRun({
      digest: {
        version: 1,
        key: 'digests/2026/12/07/d.json',
        startTime: '2026-12-07T09:55:00.000Z',
        endTime: '2026-12-07T10:00:00.000Z',
        previousDigest: null,
        advanced: [{ ...head, fromSeq: 1, records: 3 }],
        known: [head],
        recordCount: 3,
        knownChainCount: 1,
        forwardDated: [{ ...head, eventId: 'e9', seenAt: head.time }],
      },
      signingAlgorithm: 'ECDSA_SHA_256',
      keyId: 'k',
      signature: '',
    });
    logRun(undefined);
    const counted = jsonFilter(DIGEST_WRITTEN_PATTERN);
    expect(digestLines.map((line) => counted(line))).toEqual([true, false, false]);
    expect(template.Resources.DigestWrittenMetricFilter?.Properties).toEqual({
      LogGroupName: { Ref: 'DigestLogGroup' },
      FilterPattern: DIGEST_WRITTEN_PATTERN,
      MetricTransformations: [
        { MetricNamespace: 'credvend/test', MetricName: 'DigestsWritten', MetricValue: '1', Unit: 'Count' },
      ],
    });
    expect(scheduleSeconds('rate(1 hour)')).toBe(3600);
    expect(scheduleSeconds('rate(2 days)')).toBe(172_800);
    expect(scheduleSeconds('cron(0 3 * * ? *)')).toBe(86_400);
    expect(() => scheduleSeconds('every 5 minutes')).toThrow(/digestSchedule/);
    // The stream's lag, only where the stream function exists.
    expect(template.Resources.StreamIteratorAgeAlarm).toMatchObject({
      Condition: 'PublishesAuditEvents',
      Properties: { Namespace: 'AWS/Lambda', MetricName: 'IteratorAge', Statistic: 'Maximum' },
    });
  });
});

/** An access-request notice of `transition`, as the service sends it. */
function notice(transition: AccessRequestNotice['transition'], urgent: boolean): AccessRequestNotice {
  const now = new Date('2026-12-07T12:00:00Z');
  return {
    transition,
    urgent,
    at: now,
    actor: 'oidc:https://idp.example.com#alice',
    actorAuthMethod: 'oidc',
    request: {
      id: 'ar-0001',
      requestableId: 'prod-admin-glass',
      requester: 'oidc:https://idp.example.com#alice',
      requesterSubject: 'https://idp.example.com#alice',
      requesterName: 'Alice',
      accountId: '222222222222',
      roleArn: 'arn:aws:iam::222222222222:role/credvend-admin',
      reason: 'the database is down',
      grantSeconds: 3600,
      createdAt: now,
      answerBy: now,
      state: 'active',
      approvals: [],
      quorum: 1,
      breakGlass: true,
      reviewRequired: true,
      requestableVersion: 1,
      version: 1,
    },
  };
}
