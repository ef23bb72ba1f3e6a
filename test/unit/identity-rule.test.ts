import { describe, expect, it } from 'vitest';
import { loadAccessRequestConfig } from '../../src/access-request-config.js';
import { callerFromAwsArn } from '../../src/auth/aws-principal.js';
import { loadConfig } from '../../src/config.js';
import { IllegalTransitionError, NotApproverError } from '../../src/domain/access-requests/errors.js';
import {
  type Actor,
  approve,
  openRequest,
  type Requester,
  resolveRequestable,
} from '../../src/domain/access-requests/lifecycle.js';
import { validateRequestable } from '../../src/domain/access-requests/requestable-admin.js';
import type { Requestable } from '../../src/domain/access-requests/types.js';
import { NO_FEDERATION } from '../../src/domain/identity/principal-names.js';
import { hasRole } from '../../src/domain/identity/roles.js';
import type { Caller } from '../../src/domain/shared/types.js';
import { ISSUER } from './fixtures.js';

const ROLE = 'arn:aws:iam::111111111111:role/team/ops';
const ROLE_PATHLESS = 'arn:aws:iam::111111111111:role/ops';
const session = (name: string) => `arn:aws:sts::111111111111:assumed-role/ops/${name}`;
const SSO_ROLE = 'arn:aws:iam::111111111111:role/AWSReservedSSO_Admin_0123abcd';
const ssoSession = (name: string) =>
  `arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_0123abcd/${name}`;
const OTHER = 'https://other-idp.example.net';
const t0 = new Date('2026-06-01T00:00:00Z');

function aws(arn: string, env: Record<string, string> = {}): Caller {
  const config = loadConfig(env);
  const caller = callerFromAwsArn(arn, config.identity);
  if (!caller) throw new Error(arn);
  return caller;
}

function actorOf(caller: Caller): Actor {
  const actor: Actor = {
    principal: caller.principal,
    identity: caller.identityKey,
    authMethod: caller.authMethod,
    groups: [],
    via: 'api',
  };
  if (caller.verifiedEmail !== undefined) actor.email = caller.verifiedEmail;
  return actor;
}

function oidcActor(issuer: string, sub: string, email?: string): Requester {
  return {
    principal: `${issuer}#${sub}`,
    identity: `oidc|${issuer}|${sub}`,
    authMethod: 'oidc',
    groups: [],
    via: 'api',
    displayName: sub,
    ...(email !== undefined ? { email } : {}),
  };
}

function stored(overrides: Partial<Requestable> = {}): Requestable {
  return {
    id: 'prod',
    requesters: { principals: [`${ISSUER}#alice`, ROLE], groups: [] },
    approvers: { principals: [`${ISSUER}#bob`, `${OTHER}#alice2`, ROLE, `${ISSUER}#carol`], groups: [] },
    quorum: 1,
    accountId: '222222222222',
    roleArn: 'arn:aws:iam::222222222222:role/admin',
    managedPolicyArns: [],
    tags: {},
    maxSessionSeconds: 3600,
    maxGrantSeconds: 7200,
    answerWithinSeconds: 3600,
    breakGlass: false,
    version: 1,
    ...overrides,
  };
}
const rules = { identity: NO_FEDERATION };
const input = { requestableId: 'prod', grantSeconds: 3600, reason: 'incident 7' };

describe('admin and auditor lists', () => {
  it('name an AWS role by its role ARN, path or not, and every session of it holds the role', () => {
    const config = loadConfig({ CREDVEND_ADMINS: ROLE, CREDVEND_AUDITORS: ROLE_PATHLESS });
    expect(hasRole(aws(session('anyone')), 'admin', config.roles)).toBe(true);
    expect(hasRole(aws(session('anyone')), 'auditor', config.roles)).toBe(true);
    const other = aws('arn:aws:sts::111111111111:assumed-role/opsx/anyone');
    expect(hasRole(other, 'admin', config.roles)).toBe(false);
  });

  it('refuse a session ARN at start: anyone may name their session that way', () => {
    expect(() => loadConfig({ CREDVEND_ADMINS: session('alice') })).toThrow(/session ARN.*list the role/);
    expect(() => loadConfig({ CREDVEND_AUDITORS: `${ISSUER}#a,bob` })).toThrow(/bob names nobody/);
  });

  it('take a federated session role by session: identity is role + session name, consistently', () => {
    const env = {
      CREDVEND_FEDERATED_SESSION_ROLES: 'arn:aws:iam::111111111111:role/AWSReservedSSO_*',
      CREDVEND_ADMINS: ssoSession('alice@example.com'),
    };
    const config = loadConfig(env);
    expect(hasRole(aws(ssoSession('alice@example.com'), env), 'admin', config.roles)).toBe(true);
    expect(hasRole(aws(ssoSession('mallory@example.com'), env), 'admin', config.roles)).toBe(false);
    expect(aws(ssoSession('alice@example.com'), env).identityKey).toBe(
      `aws|${ssoSession('alice@example.com')}`,
    );
    // Without the option the same session is its role, and its session name is display only.
    expect(aws(ssoSession('alice@example.com')).identityKey).toBe(`aws|${SSO_ROLE}`);
    // The bare federated role would mean everyone signing in through it.
    expect(() => loadConfig({ ...env, CREDVEND_ADMINS: SSO_ROLE })).toThrow(/federated session role/);
    expect(() => loadConfig({ CREDVEND_FEDERATED_SESSION_ROLES: 'AWSReservedSSO_*' })).toThrow(
      /CREDVEND_FEDERATED_SESSION_ROLES/,
    );
  });
});

describe('the Slack user map', () => {
  it('refuses a session ARN and resolves a role with a path to the key authentication gives', () => {
    const base = {
      CREDVEND_SLACK_SIGNING_SECRET_ID: 'credvend/test/slack-signing',
      CREDVEND_SLACK_TEAM_ID: 'T0WORKSPACE',
      CREDVEND_SLACK_APP_ID: 'A0CREDVEND',
    };
    expect(() =>
      loadAccessRequestConfig({ ...base, CREDVEND_SLACK_USERS: `U1=${session('bob')}` }, NO_FEDERATION),
    ).toThrow(/session ARN/);
    const config = loadAccessRequestConfig({ ...base, CREDVEND_SLACK_USERS: `U1=${ROLE}` }, NO_FEDERATION);
    expect(config.slackInteractions?.users.get('U1')).toEqual({
      principal: ROLE,
      identity: aws(session('bob')).identityKey,
    });
  });
});

describe('requestables', () => {
  it('refuse a session ARN in any audience at write time, and count approvers by identity', () => {
    const issues = validateRequestable(
      stored({
        requesters: { principals: [session('alice')], groups: [] },
        approvers: { principals: [ROLE, ROLE_PATHLESS], groups: [] },
        quorum: 2,
        autoApproval: { requesters: { principals: ['nobody'], groups: [] }, maxGrantSeconds: 900 },
      }),
      rules,
    );
    expect(issues.map((i) => i.path)).toEqual([
      'requesters.principals',
      'autoApproval.requesters.principals',
      'quorum',
    ]);
  });

  it('let any session of a listed role request and approve, and never approve its own request', () => {
    const requestable = resolveRequestable(stored(), rules);
    const requester = { ...actorOf(aws(session('alice-sess'))), displayName: 'ops' };
    const opened = openRequest(requestable, requester, input, 'R1', t0).request;
    // Another session of the same role is the same identity: the requester.
    expect(() => approve(opened, requestable.approvers, actorOf(aws(session('mallory-sess'))), t0)).toThrow(
      NotApproverError,
    );
    const bob = oidcActor(ISSUER, 'bob');
    expect(approve(opened, requestable.approvers, bob, t0).transition).toBe('approved');
    const byRole = openRequest(requestable, oidcActor(ISSUER, 'alice'), input, 'R2', t0).request;
    expect(approve(byRole, requestable.approvers, actorOf(aws(session('xy'))), t0).transition).toBe(
      'approved',
    );
  });
});

describe('one person with identities at two issuers', () => {
  const requestable = resolveRequestable(stored({ quorum: 2 }), rules);

  it('cannot approve their own request under the other identity (same verified email)', () => {
    const opened = openRequest(requestable, oidcActor(ISSUER, 'alice', 'alice@example.com'), input, 'R', t0);
    const secondIdentity = oidcActor(OTHER, 'alice2', 'alice@example.com');
    expect(() => approve(opened.request, requestable.approvers, secondIdentity, t0)).toThrow(
      NotApproverError,
    );
  });

  it('cannot meet a quorum alone', () => {
    const opened = openRequest(requestable, oidcActor(ISSUER, 'alice'), input, 'R', t0).request;
    const first = approve(opened, requestable.approvers, oidcActor(ISSUER, 'bob', 'bob@example.com'), t0);
    expect(first.transition).toBe('approval-recorded');
    expect(first.request.approvals[0]?.email).toBe('bob@example.com');
    const bobAgain = oidcActor(OTHER, 'alice2', 'bob@example.com');
    expect(() => approve(first.request, requestable.approvers, bobAgain, t0)).toThrow(IllegalTransitionError);
    const carol = oidcActor(ISSUER, 'carol', 'carol@example.com');
    expect(approve(first.request, requestable.approvers, carol, t0).transition).toBe('approved');
  });
});
