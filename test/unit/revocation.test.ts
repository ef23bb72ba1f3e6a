import { describe, expect, it } from 'vitest';
import type { ChainedAuditEvent } from '../../src/domain/audit/audit.js';
import { InMemoryAuditTable, inMemoryAuditLog } from '../../src/domain/audit/fakes.js';
import { PrivilegedAccess } from '../../src/domain/identity/privileged-access.js';
import { minifyPolicy, type PolicyDocument, statementsOf } from '../../src/domain/policy/policy.js';
import { InMemoryRevocationIntentLog } from '../../src/domain/revocation/fakes.js';
import {
  GRANT_TAG,
  grantRevocationStatement,
  MANAGED_POLICY_MAX_CHARS,
  NOTHING_REVOKED,
  ROLE_MANAGED_POLICY_QUOTA,
  revocationStatement,
  withRevocation,
} from '../../src/domain/revocation/revocation.js';
import { Revoker } from '../../src/domain/revocation/revoke.js';
import { WriteAheadRevocations } from '../../src/domain/revocation/write-ahead.js';
import { InvalidRequestError, LimitExceededError } from '../../src/domain/shared/errors.js';
import { sessionAllows } from '../oracle/iam-oracle.js';
import { caller } from './fixtures.js';

const issued = (
  eventId: string,
  sourceIdentity = 'alice@example.com.0561798b0561798b0561798b0561798b',
): ChainedAuditEvent => ({
  eventId,
  time: '2026-11-24T08:00:00.000Z',
  day: '2026-11-24',
  action: 'credentials.issue',
  outcome: 'issued',
  requestId: 'r',
  principal: 'p',
  authMethod: 'oidc',
  roleArn: 'arn:aws:iam::222222222222:role/credvend-readonly',
  sourceIdentity,
  chainId: 'c',
  seq: 0,
  prevHash: '0',
  hash: '1',
});
/** A SourceIdentity as long as STS allows: the worst case for capacity. */
const longIdentity = (n: number) => `${`caller-${n}-`.padEnd(31, 'x')}.${n.toString(16).padStart(32, '0')}`;
const now = new Date('2026-11-24T09:00:00.250Z');
const minutes = (m: number) => new Date(now.getTime() + m * 60_000);
const SLOTS = ROLE_MANAGED_POLICY_QUOTA - 1; // the role keeps one managed policy of its own

describe('revocation statement', () => {
  it("denies the caller's SourceIdentity for tokens issued up to a few seconds from now, in whole seconds", () => {
    // moto does not evaluate Condition blocks, so the exact condition is checked here and by the simulator below.
    expect(revocationStatement(issued('E1', 'alice.0561'), now)).toEqual({
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: {
        StringEquals: { 'aws:SourceIdentity': 'alice.0561' },
        DateLessThanEquals: { 'aws:TokenIssueTime': '2026-11-24T09:00:06Z' },
      },
    });
  });

  it('refuses to revoke something that is not an issuance', () => {
    expect(() => revocationStatement({ ...issued('E1'), outcome: 'denied' }, now)).toThrow(
      InvalidRequestError,
    );
  });
});

describe('revocation policies of a role', () => {
  const identities = (slots: PolicyDocument[]) =>
    slots.flatMap(statementsOf).map((s) => s.Condition?.StringEquals?.['aws:SourceIdentity']);

  it('keeps one statement per revoked caller, the newest cutoff winning, and drops expired ones', () => {
    const old = revocationStatement(issued('OLD', 'old.1'), minutes(-13 * 60));
    const first = revocationStatement(issued('A1', 'alice.1'), minutes(-60));
    const other = revocationStatement(issued('B1', 'bob.2'), minutes(-30));
    const slots = [{ Version: '2012-10-17' as const, Statement: [old, first, other] }];
    const again = withRevocation(slots, revocationStatement(issued('A2', 'alice.1'), now), now, SLOTS);
    expect(identities(again)).toEqual(['bob.2', 'alice.1']);
    expect(statementsOf(again[0] as PolicyDocument)[1]).toEqual(
      revocationStatement(issued('A2', 'alice.1'), now),
    );
    // An older revocation of the same caller never moves its cutoff back.
    const stale = withRevocation(
      again,
      revocationStatement(issued('A0', 'alice.1'), minutes(-90)),
      now,
      SLOTS,
    );
    expect(stale).toEqual(again);
  });

  it(`holds at least 200 callers with 64-character SourceIdentities within 12 hours in ${SLOTS} managed policies`, () => {
    let slots: PolicyDocument[] = [];
    let count = 0;
    try {
      for (;;) {
        const at = minutes(count); // one a minute: 720 in 12 hours, none expires before the end
        slots = withRevocation(
          slots,
          revocationStatement(issued(`E${count}`, longIdentity(count)), at),
          at,
          SLOTS,
        );
        count++;
      }
    } catch (error) {
      expect(error).toBeInstanceOf(LimitExceededError);
    }
    console.log(
      `revocation capacity: ${count} callers per role (64-character SourceIdentity, ${SLOTS} policies)`,
    );
    expect(count).toBeGreaterThanOrEqual(200);
    expect(new Set(identities(slots)).size).toBe(count);
    for (const slot of slots) expect(minifyPolicy(slot).length).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARS);
  });

  it('changes only the slot that takes the new revocation', () => {
    let slots: PolicyDocument[] = [];
    for (let i = 0; i < 40; i++)
      slots = withRevocation(slots, revocationStatement(issued(`E${i}`, longIdentity(i)), now), now, SLOTS);
    const next = withRevocation(slots, revocationStatement(issued('X', longIdentity(999)), now), now, SLOTS);
    expect(next.slice(0, -1)).toEqual(slots.slice(0, -1));
  });
});

describe('the revocation policy, evaluated by an independent IAM simulator', () => {
  const roleAllowsAll = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
  };
  const at = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const request = (sourceIdentity: string, issuedAt: Date) => ({
    action: 's3:ListAllMyBuckets',
    resource: 'arn:aws:s3:::*',
    context: { 'aws:SourceIdentity': sourceIdentity, 'aws:TokenIssueTime': at(issuedAt) },
  });
  const alice = 'alice.0561798b';
  const slots = withRevocation(
    withRevocation([], revocationStatement(issued('B', 'bob.77'), minutes(-5)), minutes(-5), SLOTS),
    revocationStatement(issued('A', alice), now),
    now,
    SLOTS,
  );
  const allows = (r: ReturnType<typeof request>) =>
    sessionAllows([roleAllowsAll, ...slots], { ...r, resource: 'arn:aws:s3:::bucket' });

  it("denies the revoked caller's sessions issued before the revocation, and within the skew margin", () => {
    expect(allows(request(alice, minutes(-60)))).toBe(false);
    expect(allows(request(alice, new Date(now.getTime() + 4_000)))).toBe(false);
  });

  it("allows the same caller's later sessions, and every other caller's", () => {
    expect(allows(request(alice, minutes(1)))).toBe(true);
    expect(allows(request('alice.0561798c', minutes(-60)))).toBe(true);
    expect(allows(request('mallory', minutes(-60)))).toBe(true);
    expect(allows(request('bob.77', minutes(-1)))).toBe(true);
    expect(allows(request('bob.77', minutes(-10)))).toBe(false);
  });

  it('a document that revokes nothing denies nobody', () => {
    expect(sessionAllows([roleAllowsAll, NOTHING_REVOKED], request(alice, minutes(-60)))).toBe(true);
  });
});

describe('ending a grant: a Deny on its session tag, judged by an independent IAM simulator', () => {
  const roleAllowsAll = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
  };
  const at = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const alice = 'alice.0561798b';
  const grantEnd = minutes(60);
  // The grant's Deny lands between an identity revocation of bob and a later one of carol.
  const slots = [
    revocationStatement(issued('B', 'bob.77'), minutes(-5)),
    grantRevocationStatement('01GRANTAAAAAAAAAAAAAAAAAAA', grantEnd),
    revocationStatement(issued('C', 'carol.1'), now),
  ].reduce<PolicyDocument[]>((held, statement) => withRevocation(held, statement, now, SLOTS), []);
  /** A session of alice on the role: under the grant (its tag) or under standing access (none). */
  const session = (grant: string | undefined, issuedAt: Date, currentTime = now) => ({
    action: 's3:ListAllMyBuckets',
    resource: 'arn:aws:s3:::bucket',
    context: {
      'aws:SourceIdentity': alice,
      'aws:TokenIssueTime': at(issuedAt),
      'aws:CurrentTime': at(currentTime),
      ...(grant ? { [`aws:PrincipalTag/${GRANT_TAG}`]: grant } : {}),
    },
  });
  const allows = (r: ReturnType<typeof session>) => sessionAllows([roleAllowsAll, ...slots], r);

  it("denies the grant's sessions, those issued after the Deny too (no race with issuance)", () => {
    expect(allows(session('01GRANTAAAAAAAAAAAAAAAAAAA', minutes(-30)))).toBe(false);
    expect(allows(session('01GRANTAAAAAAAAAAAAAAAAAAA', minutes(1), minutes(2)))).toBe(false);
  });

  it("denies nothing else: the same person's standing session on that role, another grant's session", () => {
    expect(allows(session(undefined, minutes(-30)))).toBe(true);
    expect(allows(session('01GRANTBBBBBBBBBBBBBBBBBBB', minutes(-30)))).toBe(true);
  });

  it('is kept beside identity revocations, and dropped only once every session under the grant has ended', () => {
    const grantDenies = (held: PolicyDocument[]) =>
      held
        .flatMap(statementsOf)
        .filter((st) => st.Condition?.StringEquals?.[`aws:PrincipalTag/${GRANT_TAG}`]);
    expect(grantDenies(slots)).toHaveLength(1);
    const later = (m: number) =>
      withRevocation(slots, revocationStatement(issued('D', 'dan.1'), minutes(m)), minutes(m), SLOTS);
    expect(grantDenies(later(60))).toHaveLength(1);
    expect(grantDenies(later(60 + 16))).toHaveLength(0);
    // Writing the same grant's Deny again (a retry) keeps one statement.
    const again = withRevocation(
      slots,
      grantRevocationStatement('01GRANTAAAAAAAAAAAAAAAAAAA', grantEnd),
      now,
      SLOTS,
    );
    expect(grantDenies(again)).toHaveLength(1);
    expect(again.flatMap(statementsOf)).toHaveLength(3);
  });
});

describe('Revoker', () => {
  it('audits a refused revocation before answering the admin, and leaves nothing due', async () => {
    const table = new InMemoryAuditTable();
    const audit = inMemoryAuditLog(table);
    const intents = new InMemoryRevocationIntentLog(table);
    const clock = { now: () => now };
    const admin = caller({ principal: 'admin' });
    const refusing = {
      apply: async (): Promise<PolicyDocument> => {
        throw new LimitExceededError('revocation-capacity', 'full');
      },
    };
    const revoker = new Revoker({
      reader: { get: async () => issued('01ARZ3NDEKTSV4RRFFQ69G5FAV'), byAccessKey: async () => [] },
      revocations: new WriteAheadRevocations({
        iam: refusing,
        intents,
        audit,
        clock,
        newEventId: () => 'REVOKE1',
      }),
      audit,
      access: new PrivilegedAccess({
        audit,
        clock,
        newEventId: () => 'AUDIT1',
        assignments: { adminKeys: [admin.identityKey], auditorKeys: [], auditorGroups: [], adminGroups: [] },
      }),
      clock,
      newEventId: () => 'REVOKE1',
    });
    await expect(revoker.revoke(admin, '01ARZ3NDEKTSV4RRFFQ69G5FAV', { requestId: 'r1' })).rejects.toThrow(
      LimitExceededError,
    );
    expect(table.withAction('audit.revoke')).toMatchObject([
      {
        action: 'audit.revoke',
        outcome: 'denied',
        relatedEventId: '01ARZ3NDEKTSV4RRFFQ69G5FAV',
        detail: expect.stringContaining('full'),
      },
    ]);
    expect(await intents.due(10)).toEqual([]);
  });
});
