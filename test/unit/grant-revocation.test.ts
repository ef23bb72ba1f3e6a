import { describe, expect, it } from 'vitest';
import { StaleRequestError } from '../../src/domain/access-requests/errors.js';
import { InMemoryAccessRequestStore } from '../../src/domain/access-requests/fakes.js';
import { GrantSessionDenier } from '../../src/domain/access-requests/grant-revocation.js';
import type { AccessRequest, Decision } from '../../src/domain/access-requests/types.js';
import { InMemoryAuditTable, inMemoryAuditLog } from '../../src/domain/audit/fakes.js';
import { InMemoryEntitlements } from '../../src/domain/issuance/fakes.js';
import { InMemoryRevocationApplier } from '../../src/domain/revocation/fakes.js';
import { AuditUnavailableError, RevocationPendingError } from '../../src/domain/shared/errors.js';
import { sequentialIds } from '../../src/domain/shared/fakes.js';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const ROLE = 'arn:aws:iam::111111111111:role/credvend-deploy';
const CONTEXT = { requestId: 'req-sweep' };

function revokedGrant(id: string, revocation?: Decision): AccessRequest {
  return {
    id,
    requestableId: 'deploy',
    requestableVersion: 1,
    requester: 'https://idp.example.com#alice',
    requesterSubject: 'oidc|https://idp.example.com|alice',
    requesterName: 'Alice',
    accountId: '111111111111',
    roleArn: ROLE,
    reason: 'incident 42',
    grantSeconds: 3600,
    createdAt: new Date(NOW.getTime() - 600_000),
    answerBy: new Date(NOW.getTime() + 3_600_000),
    quorum: 1,
    state: 'ended',
    approvals: [],
    grantStart: new Date(NOW.getTime() - 500_000),
    ...(revocation ? { revocation } : {}),
    sessionsDeny: 'due',
    breakGlass: false,
    reviewRequired: false,
    version: 1,
  };
}

function setup(options: { applier?: boolean } = {}) {
  const table = new InMemoryAuditTable();
  const audit = inMemoryAuditLog(table);
  const requests = new InMemoryAccessRequestStore(new InMemoryEntitlements(), table);
  const revocations = new InMemoryRevocationApplier();
  const auditFailures: unknown[] = [];
  const denier = new GrantSessionDenier({
    requests,
    audit,
    clock: { now: () => NOW },
    newEventId: sequentialIds('event'),
    ...(options.applier === false ? {} : { revocations }),
    onAuditFailure: (error) => auditFailures.push(error),
  });
  const store = async (request: AccessRequest) =>
    audit.appendWith(
      {
        eventId: `stored-${request.id}`,
        time: NOW.toISOString(),
        action: 'access-request.revoke',
        outcome: 'applied',
        requestId: 'req-revoke',
        principal: request.requester,
        authMethod: 'oidc',
      },
      (record) => requests.save(request, undefined, record),
    );
  const revokeRecords = () => table.records().filter((r) => r.action === 'audit.revoke');
  return { table, requests, revocations, denier, store, revokeRecords, auditFailures };
}

const bob = {
  principal: 'https://idp.example.com#bob',
  identity: 'oidc|https://idp.example.com|bob',
  at: NOW,
  via: 'api',
  authMethod: 'oidc',
} as const satisfies Decision;

describe('ending the sessions of a revoked grant', () => {
  it('writes a Deny on the grant tag alone, then marks it written with an applied record in the revoker’s name', async () => {
    const s = setup();
    const grant = revokedGrant('g1', bob);
    await s.store(grant);
    const done = await s.denier.denySessions(bob, grant, CONTEXT);
    expect(done).toMatchObject({ sessionsDeny: 'written', version: 2 });
    expect(await s.requests.get('g1')).toMatchObject({ sessionsDeny: 'written', version: 2 });
    const [deny] = s.revocations.statementsOn(ROLE);
    expect(s.revocations.statementsOn(ROLE)).toHaveLength(1);
    expect(deny?.Condition?.StringEquals).toEqual({ 'aws:PrincipalTag/credvend-grant': 'g1' });
    expect(s.revokeRecords()).toEqual([
      expect.objectContaining({ outcome: 'applied', principal: bob.principal, accessRequestId: 'g1' }),
    ]);
  });

  it('without a configured applier, records an error and answers pending, leaving the Deny due', async () => {
    const s = setup({ applier: false });
    const grant = revokedGrant('g2', bob);
    await s.store(grant);
    await expect(s.denier.denySessions(bob, grant, CONTEXT)).rejects.toBeInstanceOf(RevocationPendingError);
    expect((await s.requests.get('g2'))?.sessionsDeny).toBe('due');
    expect(s.revokeRecords()).toEqual([expect.objectContaining({ outcome: 'error' })]);
    expect(s.revokeRecords()[0]?.detail).toMatch(/is not written yet; recorded as due and retried$/);
  });

  it('still answers pending when the error record cannot be written either, and reports that', async () => {
    const s = setup();
    const grant = revokedGrant('g3', bob);
    await s.store(grant);
    s.revocations.faults.fail('apply');
    s.table.faults.fail('write');
    await expect(s.denier.denySessions(bob, grant, CONTEXT)).rejects.toBeInstanceOf(RevocationPendingError);
    expect(s.auditFailures).toHaveLength(1);
    expect(s.revokeRecords()).toEqual([]);
  });

  it('with the Deny written but its record refused, answers audit-unavailable; the sweep lands it once', async () => {
    const s = setup();
    const grant = revokedGrant('g4', bob);
    await s.store(grant);
    s.table.faults.fail('write');
    await expect(s.denier.denySessions(bob, grant, CONTEXT)).rejects.toBeInstanceOf(AuditUnavailableError);
    expect((await s.requests.get('g4'))?.sessionsDeny).toBe('due');
    expect(await s.denier.completeDue(CONTEXT, 10)).toBe(1);
    expect((await s.requests.get('g4'))?.sessionsDeny).toBe('written');
    // Applied twice, one statement: the Deny is keyed by grant.
    expect(s.revocations.applied).toHaveLength(2);
    expect(s.revocations.statementsOn(ROLE)).toHaveLength(1);
  });

  it('returns what another run wrote when it lost the race to mark the Deny written', async () => {
    const s = setup();
    const grant = revokedGrant('g5', bob);
    await s.store(grant);
    const winner = await s.denier.denySessions(bob, grant, CONTEXT);
    // The loser read the request while it was still due.
    expect(await s.denier.denySessions(bob, grant, CONTEXT)).toEqual(winner);
  });

  it('a stale request that nobody marked written is audit-unavailable, never a silent success', async () => {
    const s = setup();
    const grant = revokedGrant('g6', bob);
    await s.store(grant);
    const stale = { ...grant, version: 0 };
    const error = await s.denier.denySessions(bob, stale, CONTEXT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuditUnavailableError);
    expect(error).toMatchObject({ cause: expect.any(StaleRequestError) });
  });

  it('the sweep completes each due Deny in the name of whoever revoked it, and one failure holds back no other', async () => {
    const s = setup();
    const slack: Decision = {
      principal: 'https://idp.example.com#carol',
      identity: 'oidc|https://idp.example.com|carol',
      at: NOW,
      via: 'slack',
      slackUserId: 'U0CAROL',
    };
    const awsRole: Decision = {
      principal: 'arn:aws:iam::111111111111:role/approvers',
      identity: 'arn:aws:iam::111111111111:role/approvers',
      at: NOW,
      via: 'api',
    };
    // Decided before deciders' auth methods were kept: told apart by channel and principal.
    const { authMethod: _, ...oidc } = bob;
    for (const [id, decision] of [
      ['s1', slack],
      ['s2', awsRole],
      ['s3', oidc],
      ['s4', undefined],
    ] as const)
      await s.store(revokedGrant(id, decision));
    s.revocations.faults.fail('apply');
    const failed: string[] = [];
    expect(await s.denier.completeDue(CONTEXT, 10, (id) => failed.push(id))).toBe(3);
    expect(failed).toHaveLength(1);
    const applied = s.revokeRecords().filter((r) => r.outcome === 'applied');
    const actors = Object.fromEntries(
      applied.map((r) => [r.accessRequestId, [r.principal, r.authMethod, r.slackUserId]]),
    );
    const expected: Record<string, unknown[]> = {
      s1: [slack.principal, 'slack', 'U0CAROL'],
      s2: [awsRole.principal, 'aws-sigv4', undefined],
      s3: [bob.principal, 'oidc', undefined],
      // No revocation on record: the requester, as stored before deciders were kept.
      s4: ['https://idp.example.com#alice', 'oidc', undefined],
    };
    for (const [id, actor] of Object.entries(actors)) expect(actor).toEqual(expected[id]);
    expect(Object.keys(actors).sort()).toEqual(
      ['s1', 's2', 's3', 's4'].filter((id) => !failed.includes(id)).sort(),
    );
    // The failed one stays due for the next run, which lands it.
    expect(await s.denier.completeDue(CONTEXT, 10)).toBe(1);
  });
});
