import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Hono } from 'hono';
import { describe, expect, inject, it } from 'vitest';
import { logAuditFailure } from '../../src/compose/composition.js';
import {
  AuditUnavailableError,
  NotEntitledError,
  RateLimitedError,
  StsThrottledError,
} from '../../src/domain/shared/errors.js';
import type { AppEnv } from '../../src/http/app-env.js';
import { errorHandler, requestId } from '../../src/http/middleware.js';
import { createLogger } from '../../src/logging.js';

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
    const cases = {
      AuditWriteFailures: [
        ...(await linesFor(new AuditUnavailableError('audit write failed'), 'req-audit')),
        ...deniedLines,
      ],
      StsThrottled: await linesFor(new StsThrottledError(2), 'req-sts'),
      QuotaRefusals: await linesFor(new RateLimitedError('caller', 30), 'req-quota'),
    };
    const unrelated = await linesFor(new NotEntitledError('no entitlement'), 'req-denial');
    for (const [metric, lines] of Object.entries(cases)) {
      const matches = patternFor(metric);
      expect(lines.length, metric).toBeGreaterThan(0);
      for (const line of lines) {
        expect(matches(line), `${metric}: ${line}`).toBe(true);
        expect(JSON.parse(line).requestId, line).toMatch(/^req-/);
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
    expect(alarms.map((a) => a.Properties.MetricName).sort()).toEqual(
      ['5xx', 'AuditWriteFailures', 'QuotaRefusals', 'StsThrottled', ...functions.map(() => 'Errors')].sort(),
    );
  });
});
