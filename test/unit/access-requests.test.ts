import { describe, expect, it } from 'vitest';
import {
  IllegalTransitionError,
  NotApproverError,
  NotRequestableError,
} from '../../src/domain/access-requests/errors.js';
import {
  type Actor,
  approve,
  cancel,
  deny,
  grantEntitlement,
  MAX_START_AHEAD_SECONDS,
  openRequest,
  type Requester,
  resolveAudience,
  resolveRequestable,
  review,
  revoke,
  stateAt,
} from '../../src/domain/access-requests/lifecycle.js';
import type { OnCallCheck } from '../../src/domain/access-requests/on-call.js';
import type {
  AccessRequest,
  Audience,
  Requestable,
  ResolvedRequestable,
} from '../../src/domain/access-requests/types.js';
import { NO_FEDERATION } from '../../src/domain/identity/principal-names.js';
import { selectEntitlement } from '../../src/domain/issuance/entitlements.js';
import { planIssuance } from '../../src/domain/issuance/plan.js';
import { InvalidRequestError, LimitExceededError, NotEntitledError } from '../../src/domain/shared/errors.js';
import { groupSubject } from '../../src/domain/subjects/subjects.js';
import { caller, ISSUER } from './fixtures.js';

const RULES = { identity: NO_FEDERATION, groupIssuer: ISSUER };
const group = (name: string) => groupSubject(ISSUER, name);
const resolved = (audience: Audience) => resolveAudience(audience, RULES);

const t0 = new Date('2026-06-01T00:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

function actor(name: string, groups: string[] = []): Actor {
  return {
    principal: `${ISSUER}#${name}`,
    identity: `oidc|${ISSUER}|${name}`,
    authMethod: 'oidc',
    groups,
    via: 'api',
  };
}

const alice: Requester = {
  ...actor('alice'),
  displayName: 'alice@example.com',
};
const bob = actor('bob');
const carol = actor('carol');
const mallory = actor('mallory');

function requestable(overrides: Partial<Requestable> = {}): ResolvedRequestable {
  return resolveRequestable(stored(overrides), RULES);
}

function stored(overrides: Partial<Requestable> = {}): Requestable {
  return {
    id: 'prod-admin',
    requesters: { principals: [alice.principal], groups: ['engineers'] },
    approvers: { principals: [bob.principal, carol.principal, alice.principal], groups: [] },
    quorum: 1,
    accountId: '222222222222',
    roleArn: 'arn:aws:iam::222222222222:role/credvend-admin',
    managedPolicyArns: [],
    tags: { jit: 'yes' },
    maxSessionSeconds: 3600,
    maxGrantSeconds: 7200,
    answerWithinSeconds: 3600,
    breakGlass: false,
    version: 1,
    ...overrides,
  };
}

const input = { requestableId: 'prod-admin', grantSeconds: 3600, reason: 'incident 42 follow-up' };
const pending = (overrides: Partial<Requestable> = {}) =>
  openRequest(requestable(overrides), alice, input, 'REQ1', t0).request;
const approvers = requestable().approvers;

/** A request in each state the lifecycle can reach, and the instant to look at it. */
function inState(state: string): { request: AccessRequest; now: Date } {
  const fresh = pending();
  switch (state) {
    case 'requested':
      return { request: fresh, now: at(10) };
    case 'expired-unanswered':
      return { request: fresh, now: at(3600) };
    case 'active':
      return { request: approve(fresh, approvers, bob, at(10)).request, now: at(20) };
    case 'expired':
      return { request: approve(fresh, approvers, bob, at(10)).request, now: at(3610) };
    case 'denied':
      return { request: deny(fresh, approvers, bob, at(10)).request, now: at(20) };
    case 'cancelled':
      return { request: cancel(fresh, alice, at(10)).request, now: at(20) };
    case 'ended':
      return {
        request: revoke(approve(fresh, approvers, bob, at(10)).request, approvers, bob, false, at(20))
          .request,
        now: at(30),
      };
    default:
      throw new Error(state);
  }
}

const steps = {
  approve: (r: AccessRequest, now: Date) => approve(r, approvers, carol, now),
  deny: (r: AccessRequest, now: Date) => deny(r, approvers, carol, now),
  cancel: (r: AccessRequest, now: Date) => cancel(r, alice, now),
  revoke: (r: AccessRequest, now: Date) => revoke(r, approvers, carol, false, now),
  review: (r: AccessRequest, now: Date) => review(r, approvers, carol, false, now),
};

const LEGAL: Record<string, string[]> = {
  requested: ['approve', 'deny', 'cancel'],
  active: ['revoke'],
};
const STATES = ['requested', 'expired-unanswered', 'active', 'expired', 'denied', 'cancelled', 'ended'];

describe('the access request state machine', () => {
  for (const state of STATES) {
    for (const [name, step] of Object.entries(steps)) {
      const legal = LEGAL[state]?.includes(name) ?? false;
      it(`${legal ? 'allows' : 'refuses'} ${name} on a ${state} request`, () => {
        const { request, now } = inState(state);
        expect(stateAt(request, now)).toBe(state);
        if (legal) {
          const next = step(request, now).request;
          expect(next.version).toBe(request.version + 1);
        } else {
          expect(() => step(request, now)).toThrow(IllegalTransitionError);
        }
      });
    }
  }

  it('never lets the requester approve or deny their own request, even when listed as an approver', () => {
    const request = pending();
    expect(() => approve(request, approvers, alice, at(1))).toThrow(NotApproverError);
    expect(() => deny(request, approvers, alice, at(1))).toThrow(NotApproverError);
  });

  it('compares people by identity key: the requester under another principal name is still the requester', () => {
    const otherSession = { ...bob, identity: alice.identity };
    expect(() => approve(pending(), approvers, otherSession, at(1))).toThrow(NotApproverError);
    const first = approve(pending({ quorum: 2 }), approvers, bob, at(1)).request;
    expect(() => approve(first, approvers, { ...carol, identity: bob.identity }, at(2))).toThrow(
      IllegalTransitionError,
    );
  });

  it('refuses approvals and denials from someone who is not an approver', () => {
    expect(() => approve(pending(), approvers, mallory, at(1))).toThrow(NotApproverError);
    expect(() => deny(pending(), approvers, mallory, at(1))).toThrow(NotApproverError);
  });

  it('accepts approvers by group', () => {
    const byGroup = resolved({ principals: [], groups: ['sre'] });
    expect(approve(pending(), byGroup, actor('dave', [group('sre')]), at(1)).transition).toBe('approved');
  });

  it('needs the quorum of distinct approvers; one approver cannot count twice', () => {
    const request = pending({ quorum: 2 });
    const first = approve(request, approvers, bob, at(1));
    expect(first.transition).toBe('approval-recorded');
    expect(first.request.state).toBe('requested');
    expect(() => approve(first.request, approvers, bob, at(2))).toThrow(IllegalTransitionError);
    const second = approve(first.request, approvers, carol, at(3));
    expect(second.transition).toBe('approved');
    expect(second.request.state).toBe('active');
    expect(second.request.grantStart).toEqual(at(3));
    expect(second.request.grantEnd).toEqual(at(3 + 3600));
  });

  it('lets only the requester cancel', () => {
    expect(() => cancel(pending(), bob, at(1))).toThrow(NotApproverError);
  });

  it('lets the requester, an approver or an admin revoke a grant, nobody else', () => {
    const active = approve(pending(), approvers, bob, at(1)).request;
    expect(revoke(active, approvers, alice, false, at(2)).request.state).toBe('ended');
    expect(revoke(active, approvers, mallory, true, at(2)).request.grantEnd).toEqual(at(2));
    expect(() => revoke(active, approvers, mallory, false, at(2))).toThrow(NotApproverError);
  });
});

describe('opening a request', () => {
  it('refuses a caller who may not request it', () => {
    expect(() =>
      openRequest(requestable(), { ...alice, identity: 'oidc|x|y', groups: [] }, input, 'R', t0),
    ).toThrow(NotRequestableError);
  });

  it('accepts requesters by group', () => {
    const member = { ...alice, identity: 'oidc|x|y', groups: [group('engineers')] };
    expect(openRequest(requestable(), member, input, 'R', t0).request.state).toBe('requested');
  });

  it('lists every broken rule: duration beyond the maximum, a missing reason, a ticket not matching', () => {
    const rules = requestable({ ticketPattern: 'INC-[0-9]+' });
    try {
      openRequest(
        rules,
        alice,
        { requestableId: 'prod-admin', grantSeconds: 7201, reason: ' ', ticket: 'x' },
        'R',
        t0,
      );
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidRequestError);
      const paths = (error as InvalidRequestError).issues.map((i) => i.path);
      expect(paths).toEqual(['reason', 'duration', 'ticket']);
    }
    expect(openRequest(rules, alice, { ...input, ticket: 'INC-42' }, 'R', t0).request.ticket).toBe('INC-42');
    expect(() => openRequest(rules, alice, input, 'R', t0)).toThrow(InvalidRequestError);
    expect(() => openRequest(requestable(), alice, { ...input, reason: 'a\u0000b' }, 'R', t0)).toThrow(
      InvalidRequestError,
    );
    // The shortest grant is STS's shortest session plus the SDKs' 15-minute refresh window.
    expect(() => openRequest(requestable(), alice, { ...input, grantSeconds: 1799 }, 'R', t0)).toThrow(
      'the request does not fit the rules of prod-admin',
    );
    expect(openRequest(requestable(), alice, { ...input, grantSeconds: 1800 }, 'R', t0).request.state).toBe(
      'requested',
    );
  });

  it('auto-approves members of the rule within its limit only', () => {
    const rules = requestable({
      autoApproval: { requesters: { principals: [], groups: ['oncall'] }, maxGrantSeconds: 1800 },
    });
    const oncall = { ...alice, groups: [group('oncall')] };
    const short = openRequest(rules, oncall, { ...input, grantSeconds: 1800 }, 'R', t0);
    expect(short.transition).toBe('auto-approved');
    expect(short.request.state).toBe('active');
    expect(openRequest(rules, oncall, input, 'R', t0).request.state).toBe('requested');
    expect(openRequest(rules, alice, { ...input, grantSeconds: 1800 }, 'R', t0).request.state).toBe(
      'requested',
    );
  });

  it('opens break-glass as active at once, flagged for review by someone else', () => {
    const step = openRequest(requestable({ breakGlass: true }), alice, input, 'R', t0);
    expect(step.transition).toBe('break-glass');
    expect(step.request.state).toBe('active');
    expect(step.request.reviewRequired).toBe(true);
    expect(() => review(step.request, approvers, alice, false, at(5))).toThrow(NotApproverError);
    const reviewed = review(step.request, approvers, bob, false, at(5)).request;
    expect(reviewed.review?.principal).toBe(bob.principal);
    expect(() => review(reviewed, approvers, carol, false, at(6))).toThrow(IllegalTransitionError);
  });
});

describe('a grant', () => {
  const active = approve(pending(), approvers, bob, at(0)).request;
  const entitlement = grantEntitlement(active, requestable());
  const me = caller({ principal: alice.principal, subjectKeys: [alice.identity] });

  it('is an entitlement of the requester that is honoured only inside the grant', () => {
    expect(selectEntitlement(me, [entitlement], { entitlementId: entitlement.id }, at(60)).id).toBe(
      entitlement.id,
    );
    expect(() => selectEntitlement(me, [entitlement], { entitlementId: entitlement.id }, at(3600))).toThrow(
      NotEntitledError,
    );
  });

  it('caps each session at the grant end, and refuses when less than STS minimum is left', () => {
    const plan = planIssuance(entitlement, { target: { entitlementId: entitlement.id } }, me, {
      roleChaining: false,
      now: at(1000),
    });
    expect(plan.durationSeconds).toBe(2600);
    expect(plan.durationBoundBy).toBe('entitlement-not-after');
    expect(() =>
      planIssuance(entitlement, { target: { entitlementId: entitlement.id } }, me, {
        roleChaining: false,
        now: at(2701),
      }),
    ).toThrow(LimitExceededError);
  });
});

describe('a scheduled start', () => {
  const inTwoHours = { ...input, start: at(7200) };

  it('is approved before it begins and starts then, lasting what was asked from its start', () => {
    const scheduled = openRequest(requestable(), alice, inTwoHours, 'R', t0).request;
    expect(scheduled.requestedStart).toEqual(at(7200));
    const granted = approve(scheduled, approvers, bob, at(60)).request;
    expect(stateAt(granted, at(120))).toBe('active');
    expect(granted.grantStart).toEqual(at(7200));
    expect(granted.grantEnd).toEqual(at(7200 + 3600));
    const me = caller({ principal: alice.principal, subjectKeys: [alice.identity] });
    const entitlement = grantEntitlement(granted, requestable());
    const target = { entitlementId: entitlement.id };
    // Nothing issues before the start; from the start it does, until the grant's end.
    expect(() => selectEntitlement(me, [entitlement], target, at(7199))).toThrow(NotEntitledError);
    expect(selectEntitlement(me, [entitlement], target, at(7200)).id).toBe(entitlement.id);
    expect(() => selectEntitlement(me, [entitlement], target, at(7200 + 3600))).toThrow(NotEntitledError);
  });

  it('starts at approval, for the whole duration, when approved after the scheduled start', () => {
    const scheduled = openRequest(requestable(), alice, { ...input, start: at(600) }, 'R', t0).request;
    const granted = approve(scheduled, approvers, bob, at(900)).request;
    expect(granted.grantStart).toEqual(at(900));
    expect(granted.grantEnd).toEqual(at(900 + 3600));
  });

  it('takes a start within a minute in the past as now, and keeps no start then', () => {
    const now = openRequest(requestable(), alice, { ...input, start: at(-59) }, 'R', t0).request;
    expect(now.requestedStart).toBeUndefined();
  });

  it('refuses a start in the past, beyond the bound ahead, not an instant, or on break-glass', () => {
    const problem = (start: Date, overrides: Partial<Requestable> = {}) => {
      try {
        openRequest(requestable(overrides), alice, { ...input, start }, 'R', t0);
        return 'accepted';
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidRequestError);
        return (error as InvalidRequestError).issues.map((i) => i.message).join();
      }
    };
    expect(problem(at(-61))).toBe('start: from now to 30 days ahead');
    expect(problem(at(MAX_START_AHEAD_SECONDS + 1))).toBe('start: from now to 30 days ahead');
    expect(problem(at(MAX_START_AHEAD_SECONDS))).toBe('accepted');
    expect(problem(new Date(Number.NaN))).toBe('start: an instant');
    expect(problem(at(600), { breakGlass: true })).toBe(
      'start: break-glass access starts at once; give no start',
    );
  });

  it('auto-approves a scheduled request into a grant that starts at its start', () => {
    const rules = requestable({
      autoApproval: { requesters: { principals: [], groups: ['oncall'] }, maxGrantSeconds: 3600 },
    });
    const step = openRequest(rules, { ...alice, groups: [group('oncall')] }, inTwoHours, 'R', t0);
    expect(step.transition).toBe('auto-approved');
    expect(step.request.grantStart).toEqual(at(7200));
  });

  it('leaves a scheduled request to the approvers whatever the on-call finding is now', () => {
    const onCall: OnCallCheck = {
      kind: 'on-call',
      schedule: { provider: 'pagerduty', scheduleId: 'P1' },
      shiftEnd: at(86_400),
    };
    const step = openRequest(requestable(), alice, inTwoHours, 'R', t0, onCall);
    expect(step.transition).toBe('requested');
    expect(openRequest(requestable(), alice, input, 'R', t0, onCall).transition).toBe('auto-approved');
  });
});
