import { describe, expect, it } from 'vitest';
import { openRequest } from '../../src/domain/access-requests/lifecycle.js';
import { validateRequestable } from '../../src/domain/access-requests/requestable-admin.js';
import { ticketPatternProblem } from '../../src/domain/access-requests/ticket-pattern.js';
import { NO_FEDERATION } from '../../src/domain/identity/principal-names.js';
import { InvalidRequestError } from '../../src/domain/shared/errors.js';

/** Patterns whose near-misses take exponential time in a backtracking engine (and tricks to hide them). */
const CATASTROPHIC = [
  '(a+)+',
  '(a*)*',
  '(a|ab)+',
  '(a|a)*',
  '(\\d+-?)+',
  '((ab)*c)+',
  '(?:x+x+)+y',
  '(a+){2,}',
  '([a-z]+){1,100}',
  '(.*a){20}',
  '(a+?)+?',
  '((a)+)',
];

describe('ticketPatternProblem', () => {
  it.each(
    CATASTROPHIC.slice(0, -1),
  )('refuses %s: a repeated group holding a repetition or an alternation', (pattern) => {
    expect(ticketPatternProblem(pattern)).toMatch(/repeated group/);
  });

  it('refuses backreferences and lookarounds, and what is no regular expression', () => {
    expect(ticketPatternProblem('(a)\\1')).toMatch(/backreference/);
    expect(ticketPatternProblem('(?<t>a)\\k<t>')).toMatch(/backreference/);
    expect(ticketPatternProblem('(?=a+)a')).toMatch(/lookaround/);
    expect(ticketPatternProblem('(?<!b)a')).toMatch(/lookaround/);
    expect(ticketPatternProblem('([')).toBe('not a valid regular expression');
  });

  it.each([
    'INC-[0-9]+',
    '[A-Z]{2,10}-\\d{1,6}',
    '(JIRA|OPS)-\\d+',
    'INC\\d{7}',
    '(ab){3}',
    '(ab)?c',
    '[(|)+*]+',
    '\\(x+\\)+',
    '((a)+)',
    '(?:OPS|SEC)-[1-9][0-9]*',
  ])('accepts %s', (pattern) => {
    expect(ticketPatternProblem(pattern)).toBeUndefined();
  });
});

describe('ticketPattern, written and used', () => {
  const requestable = (ticketPattern: string) => ({
    id: 'prod-admin',
    requesters: { principals: [], groups: [] },
    approvers: { principals: ['https://idp#bob'], groups: [] },
    quorum: 1,
    accountId: '222222222222',
    roleArn: 'arn:aws:iam::222222222222:role/credvend-admin',
    managedPolicyArns: [],
    tags: {},
    maxSessionSeconds: 3600,
    maxGrantSeconds: 3600,
    answerWithinSeconds: 3600,
    ticketPattern,
    breakGlass: false,
    version: 1,
  });

  it('is refused at write time when it can backtrack', () => {
    const issues = validateRequestable(requestable('(\\d+-?)+'), { identity: NO_FEDERATION });
    expect(issues.map((i) => i.path)).toContain('ticketPattern');
  });

  it('one stored before the check is never run against a ticket: the request is refused', () => {
    const alice = {
      principal: 'https://idp#alice',
      identity: 'oidc|https://idp|alice',
      authMethod: 'oidc' as const,
      displayName: 'alice',
      groups: [],
      via: 'api' as const,
    };
    const resolved = {
      ...requestable('(a+)+$'),
      requesters: { identities: [alice.identity], groups: [] },
      approvers: { identities: ['oidc|https://idp|bob'], groups: [] },
    };
    // 20 a's and a b: a backtracking engine tries about 2^20 ways before failing (2^40 at 40).
    const input = {
      requestableId: 'prod-admin',
      grantSeconds: 900,
      reason: 'incident',
      ticket: `${'a'.repeat(20)}b`,
    };
    const refusal = (() => {
      try {
        openRequest(resolved, alice, input, 'R', new Date('2026-12-07T10:00:00Z'));
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(InvalidRequestError);
    expect(
      String(refusal instanceof InvalidRequestError ? refusal.issues.map((i) => i.message) : ''),
    ).toMatch(/ticketPattern is refused/);
  });
});
