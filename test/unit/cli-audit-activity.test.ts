import { describe, expect, it } from 'vitest';
import { activityPath } from '../../src/cli/commands/audit-activity.js';

const ULID = '01JF3Z8Q6W7X2Y9ABCDEFGHJKM';

describe('credvend audit activity <target>', () => {
  it.each([
    [ULID, false, `/v1/audit/events/${ULID}/activity`],
    [`grant-${ULID}`, false, `/v1/audit/activity?accessRequest=${ULID}`],
    [ULID, true, `/v1/audit/activity?accessRequest=${ULID}`],
    ['ASIAEXAMPLE00000001', false, '/v1/audit/activity?accessKeyId=ASIAEXAMPLE00000001'],
  ])('%s (--grant: %s) asks %s', (target, asGrant, path) => {
    expect(activityPath(target, asGrant)).toBe(path);
  });

  it.each([
    ['ASIAEXAMPLE00000001', true],
    ['asia-lower-case', false],
    [`grant-${ULID}/../x`, false],
    ['', false],
  ])('refuses %j (--grant: %s) before any request', (target, asGrant) => {
    expect(() => activityPath(target, asGrant)).toThrow(/not a grant id|neither an audit event id/);
  });
});
