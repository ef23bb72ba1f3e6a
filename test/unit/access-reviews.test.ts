import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EntitlementAdmin, type EntitlementInput } from '../../src/domain/admin/entitlement-admin.js';
import { InMemoryEntitlementAdminStore } from '../../src/domain/admin/fakes.js';
import { NO_FEDERATION } from '../../src/domain/identity/principal-names.js';
import type { RoleAssignments } from '../../src/domain/identity/roles.js';
import { inScope, isSubjectOf, type OpenReviewInput } from '../../src/domain/reviews/campaign.js';
import { ReviewDeadlines } from '../../src/domain/reviews/deadline-run.js';
import { InMemoryReviewStore, RecordingReviewNotifier } from '../../src/domain/reviews/fakes.js';
import { ReviewService } from '../../src/domain/reviews/review-service.js';
import { UnusedAccessReport } from '../../src/domain/reviews/unused-report.js';
import { systemClock } from '../../src/domain/shared/clock.js';
import {
  ConflictError,
  ForbiddenError,
  InvalidRequestError,
  NotFoundError,
} from '../../src/domain/shared/errors.js';
import { newEventId } from '../../src/domain/shared/ids.js';
import { claimRuleSubject, groupSubject } from '../../src/domain/subjects/subjects.js';
import { caller, entitlement, ISSUER } from './fixtures.js';
import { admin, context, world } from './world.js';

const T0 = new Date('2026-04-01T08:00:00.000Z');
const DAY = 86_400_000;
const row = (id: string, overrides: Partial<EntitlementInput> = {}): EntitlementInput => {
  const { version: _, ...input } = entitlement({ id, ...overrides });
  return input;
};
/** Rita reviews; Bob is in group ops; alice (the fixtures' caller) holds ent rows by name. */
const rita = caller({
  principal: `${ISSUER}#rita`,
  identityKey: `oidc|${ISSUER}|rita`,
  subjectKeys: [`oidc|${ISSUER}|rita`, claimRuleSubject(ISSUER)],
  displayName: 'rita@example.com',
  claims: { sub: 'rita', team: 'security' },
});
const bob = caller({
  principal: `${ISSUER}#bob`,
  identityKey: `oidc|${ISSUER}|bob`,
  subjectKeys: [`oidc|${ISSUER}|bob`, groupSubject(ISSUER, 'ops'), claimRuleSubject(ISSUER)],
  displayName: 'bob@example.com',
  claims: { sub: 'bob', team: 'platform' },
});
const mallory = caller({
  principal: `${ISSUER}#mallory`,
  identityKey: `oidc|${ISSUER}|mallory`,
  subjectKeys: [`oidc|${ISSUER}|mallory`],
});

async function setup(assignments: Partial<RoleAssignments> = {}) {
  const w = world({ assignments });
  const store = new InMemoryEntitlementAdminStore(w.entitlements, w.table);
  const admins = new EntitlementAdmin({
    store,
    audit: w.audit,
    access: w.access,
    clock: systemClock,
    newEventId,
  });
  const reviews = new InMemoryReviewStore(w.table);
  const service = new ReviewService({
    reviews,
    entitlements: store,
    admin: admins,
    evidence: new UnusedAccessReport({ store, reader: w.table, access: w.access, clock: systemClock }),
    audit: w.audit,
    access: w.access,
    assignments: w.assignments,
    identity: NO_FEDERATION,
    clock: systemClock,
    newEventId,
    newReviewId: newEventId,
  });
  const notifier = new RecordingReviewNotifier();
  const deadlines = new ReviewDeadlines({ reviews, service, notifier, clock: systemClock });
  await admins.put(admin, row('alice-read'), undefined, context);
  await admins.put(
    admin,
    row('ops-deploy', {
      subject: groupSubject(ISSUER, 'ops'),
      roleArn: 'arn:aws:iam::222222222222:role/deploy',
    }),
    undefined,
    context,
  );
  await admins.put(
    admin,
    row('platform-rule', {
      subject: claimRuleSubject(ISSUER),
      claimConditions: { team: 'platform' },
      accountId: '333333333333',
      roleArn: 'arn:aws:iam::333333333333:role/reader',
    }),
    undefined,
    context,
  );
  await admins.put(
    admin,
    row('no-prod', { effect: 'deny', roleArn: 'arn:aws:iam::222222222222:role/x' }),
    undefined,
    context,
  );
  return { ...w, store, admins, reviews, service, notifier, deadlines };
}

const opening = (overrides: Partial<OpenReviewInput> = {}): OpenReviewInput => ({
  scope: { kind: 'all' },
  reviewers: [`${ISSUER}#rita`, `${ISSUER}#bob`],
  deadline: new Date(T0.getTime() + 7 * DAY),
  deadlineDefault: 'remove',
  ...overrides,
});

describe('Class: ReviewService', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('opens a review (admins only) over the standing allows in scope, one item each, audited', async () => {
    // Prepare
    const { service, table } = await setup();

    // Act
    const review = await service.open(
      admin,
      opening({ scope: { kind: 'account', accountId: '222222222222' } }),
      context,
    );
    const shown = await service.show(rita, review.id, context);
    const refused = service.open(rita, opening(), context);

    // Assess: the deny row is no standing access; the other account is out of scope
    expect(review).toMatchObject({ state: 'open', items: 2, deadlineDefault: 'remove' });
    expect(shown.items.map((i) => i.item.entitlementId)).toEqual(['alice-read', 'ops-deploy']);
    expect(shown.items[0]?.evidence).toMatchObject({ issuancesIn90Days: 0, added: { by: admin.principal } });
    await expect(refused).rejects.toThrow(ForbiddenError);
    expect(table.withAction('review.open').map((r) => [r.outcome, r.principal])).toEqual([
      ['applied', admin.principal],
      ['denied', rita.principal],
    ]);
    expect(table.withAction('review.open')[0]?.reason).toContain(
      `review ${review.id}: opened over account 222222222222, 2 items`,
    );
  });

  it('refuses a bad opening with every problem, and an empty or unnamed scope, writing nothing', async () => {
    // Prepare
    const { service, reviews } = await setup();

    // Act
    const bad = service.open(
      admin,
      opening({
        reviewers: ['rita', 'arn:aws:sts::111111111111:assumed-role/r/sess'],
        deadline: new Date(T0.getTime() - 1),
      }),
      context,
    );
    const far = service.open(
      admin,
      opening({ deadline: new Date(T0.getTime() + 400 * DAY), reviewers: [] }),
      context,
    );
    const empty = service.open(
      admin,
      opening({ scope: { kind: 'role', roleArn: 'arn:aws:iam::1:role/none' } }),
      context,
    );

    // Assess
    await expect(bad).rejects.toMatchObject({
      issues: [
        { path: 'reviewers', message: expect.stringContaining('names nobody') },
        { path: 'reviewers', message: expect.stringContaining('session ARN') },
        { path: 'deadline', message: 'the deadline must be in the future' },
      ],
    });
    await expect(far).rejects.toMatchObject({ issues: [{ path: 'reviewers' }, { path: 'deadline' }] });
    await expect(empty).rejects.toThrow(InvalidRequestError);
    expect(await reviews.list('open', 10)).toEqual([]);
  });

  it('a slice admin opens a review of its own rows only: a scope reaching other rows or accounts is refused before any write, naming none', async () => {
    // Prepare: rita's token (team=security) administers alice-* and ops-* in 222222222222
    const slice = {
      name: 'security',
      issuer: ISSUER,
      apply: { team: 'security' },
      accounts: ['222222222222'],
      ids: ['alice-*', 'ops-*'],
    };
    const { service, reviews, table } = await setup({ adminSlices: [slice] });

    // Act
    const own = await service.open(
      rita,
      opening({ scope: { kind: 'account', accountId: '222222222222' } }),
      context,
    );
    const everything = service.open(rita, opening(), context);
    const otherAccount = service.open(
      rita,
      opening({ scope: { kind: 'role', roleArn: 'arn:aws:iam::333333333333:role/reader' } }),
      context,
    );
    const noSlice = service.open(bob, opening(), context);

    // Assess
    expect(own).toMatchObject({ items: 2, openedBy: { principal: rita.principal } });
    await expect(everything).rejects.toThrow(
      new ForbiddenError('this scope holds entitlements outside your admin slices: narrow it to your own'),
    );
    await expect(otherAccount).rejects.toThrow(
      new ForbiddenError('this scope is in an account outside your admin slices'),
    );
    await expect(noSlice).rejects.toThrow(ForbiddenError);
    expect((await reviews.list('open', 10)).map((r) => r.id)).toEqual([own.id]);
    expect(
      table
        .withAction('review.open')
        .map((r) => `${r.outcome} ${r.principal}`)
        .sort(),
    ).toEqual([
      `applied ${rita.principal}`,
      `denied ${bob.principal}`,
      `denied ${rita.principal}`,
      `denied ${rita.principal}`,
    ]);
    expect(JSON.stringify(table.withAction('review.open'))).not.toContain('platform-rule');
  });

  it('shows a review to admins and its reviewers only; lists to each what they may see', async () => {
    // Prepare
    const { service, table } = await setup();
    const review = await service.open(admin, opening({ reviewers: [`${ISSUER}#rita`] }), context);

    // Act
    const byAdmin = await service.show(admin, review.id, context);
    const refused = service.show(mallory, review.id, context);
    const missing = service.show(admin, 'NOPE', context);

    // Assess
    expect(byAdmin.items).toHaveLength(3);
    await expect(refused).rejects.toThrow(ForbiddenError);
    await expect(missing).rejects.toThrow(NotFoundError);
    expect((await service.list(rita, 'open')).map((r) => r.id)).toEqual([review.id]);
    expect(await service.list(mallory, 'open')).toEqual([]);
    expect(await service.list(admin, 'open')).toHaveLength(1);
    // The portal's page asks for the reviews naming the reader: an admin not named gets none.
    expect(await service.list(admin, 'open', true)).toEqual([]);
    expect((await service.list(rita, 'open', true)).map((r) => r.id)).toEqual([review.id]);
    expect(table.withAction('review.read')).toEqual([
      expect.objectContaining({ outcome: 'denied', principal: mallory.principal }),
    ]);
  });

  it('a reviewer never decides an item whose subject they are: by name, by group or by a claim rule they satisfy', async () => {
    // Prepare: alice reviews her own row; bob is in ops and satisfies team=platform
    const { service, table } = await setup();
    const review = await service.open(
      admin,
      opening({ reviewers: [`${ISSUER}#alice`, `${ISSUER}#bob`, `${ISSUER}#rita`] }),
      context,
    );

    // Act
    const own = service.decide(caller(), review.id, 'alice-read', { kind: 'keep' }, context);
    const group = service.decide(bob, review.id, 'ops-deploy', { kind: 'remove' }, context);
    const rule = service.decide(bob, review.id, 'platform-rule', { kind: 'keep' }, context);
    // rita holds the issuer's claim-rule key but not team=platform: not the rule's subject
    const ritaDecides = await service.decide(rita, review.id, 'platform-rule', { kind: 'keep' }, context);
    const bobReads = await service.show(bob, review.id, context);

    // Assess: what the page shows as not theirs to decide is what decide refuses
    expect(bobReads.items.map((i) => [i.item.entitlementId, i.callerIsSubject])).toEqual([
      ['alice-read', false],
      ['ops-deploy', true],
      ['platform-rule', true],
    ]);
    await expect(own).rejects.toThrow(/you are this item’s subject/);
    await expect(group).rejects.toThrow(ForbiddenError);
    await expect(rule).rejects.toThrow(ForbiddenError);
    expect(ritaDecides.decision).toMatchObject({ kind: 'keep', by: rita.principal, outcome: 'applied' });
    expect(table.withAction('review.decide').map((r) => [r.outcome, r.principal, r.entitlementId])).toEqual([
      ['denied', caller().principal, 'alice-read'],
      ['denied', bob.principal, 'ops-deploy'],
      ['denied', bob.principal, 'platform-rule'],
      ['applied', rita.principal, 'platform-rule'],
    ]);
  });

  it('isSubjectOf: the row as opened counts when it is gone; scopes match by account, role and subject', () => {
    const item = {
      reviewId: 'r',
      entitlementId: 'x',
      subject: claimRuleSubject(ISSUER),
      accountId: '1',
      roleArn: 'arn:aws:iam::1:role/a',
      entitlementVersion: 1,
    };
    expect(isSubjectOf(rita, item, undefined)).toBe(true);
    expect(isSubjectOf(mallory, item, undefined)).toBe(false);
    const e = entitlement();
    expect(inScope({ kind: 'role', roleArn: e.roleArn }, e)).toBe(true);
    expect(inScope({ kind: 'subject', subject: e.subject }, e)).toBe(true);
    expect(inScope({ kind: 'subject', subject: 'other' }, e)).toBe(false);
  });

  it('only named reviewers decide; a removal deletes the row at once through the versioned, audited admin path', async () => {
    // Prepare
    const { service, store, table, vendor } = await setup();
    const review = await service.open(admin, opening(), context);

    // Act
    const stranger = service.decide(mallory, review.id, 'alice-read', { kind: 'remove' }, context);
    const adminNotNamed = service.decide(admin, review.id, 'alice-read', { kind: 'remove' }, context);
    const decided = await service.decide(
      rita,
      review.id,
      'alice-read',
      { kind: 'remove', note: 'left the team' },
      context,
    );
    const again = service.decide(rita, review.id, 'alice-read', { kind: 'keep' }, context);
    const issue = vendor.issue(caller(), { target: { entitlementId: 'alice-read' } }, context);

    // Assess
    await expect(stranger).rejects.toThrow(/named reviewers/);
    await expect(adminNotNamed).rejects.toThrow(ForbiddenError);
    expect(decided.decision).toMatchObject({ kind: 'remove', outcome: 'applied', note: 'left the team' });
    await expect(again).rejects.toThrow(ConflictError);
    expect(await store.get('alice-read')).toBeUndefined();
    await expect(issue).rejects.toThrow();
    expect(table.withAction('entitlement.delete')).toEqual([
      expect.objectContaining({
        principal: rita.principal,
        entitlementId: 'alice-read',
        reason: `review ${review.id}: remove`,
        change: expect.stringContaining('"after":null'),
      }),
    ]);
    expect(table.withAction('review.decide').at(-1)?.reason).toBe(
      `review ${review.id}: remove (left the team)`,
    );
  });

  it('keep until a date sets the entitlement’s notAfter (never later than it was); keep changes nothing', async () => {
    // Prepare
    const { service, store } = await setup();
    const review = await service.open(admin, opening(), context);
    const until = new Date(T0.getTime() + 30 * DAY);

    // Act
    await service.decide(rita, review.id, 'alice-read', { kind: 'keep-until', until }, context);
    await service.decide(rita, review.id, 'ops-deploy', { kind: 'keep' }, context);

    // Assess
    expect(await store.get('alice-read')).toMatchObject({ notAfter: until, version: 2 });
    expect(await store.get('ops-deploy')).toMatchObject({ version: 1 });
    expect((await store.get('ops-deploy'))?.notAfter).toBeUndefined();
  });

  it('refuses bad decisions and stale versions, changing nothing', async () => {
    // Prepare: the row changes after the review opened
    const { service, admins, store } = await setup();
    const review = await service.open(admin, opening(), context);
    await admins.put(admin, { ...row('alice-read'), maxDurationSeconds: 900 }, 1, context);

    // Act
    const noDate = service.decide(rita, review.id, 'alice-read', { kind: 'keep-until' }, context);
    const past = service.decide(
      rita,
      review.id,
      'alice-read',
      { kind: 'keep-until', until: new Date(T0.getTime() - 1) },
      context,
    );
    const dateOnKeep = service.decide(
      rita,
      review.id,
      'alice-read',
      { kind: 'keep', until: new Date(T0.getTime() + DAY) },
      context,
    );
    const stale = service.decide(rita, review.id, 'alice-read', { kind: 'remove' }, context);
    const noItem = service.decide(rita, review.id, 'nope', { kind: 'remove' }, context);
    const noReview = service.decide(rita, 'NOPE', 'alice-read', { kind: 'remove' }, context);

    // Assess
    await expect(noDate).rejects.toThrow(InvalidRequestError);
    await expect(past).rejects.toThrow(InvalidRequestError);
    await expect(dateOnKeep).rejects.toThrow(InvalidRequestError);
    await expect(stale).rejects.toThrow(/at version 2, not 1/);
    await expect(noItem).rejects.toThrow(NotFoundError);
    await expect(noReview).rejects.toThrow(NotFoundError);
    expect(await store.get('alice-read')).toMatchObject({ version: 2 });
    // Read again, decided with the version seen
    const decided = await service.decide(
      rita,
      review.id,
      'alice-read',
      { kind: 'remove', version: 2 },
      context,
    );
    expect(decided.decision?.outcome).toBe('applied');
  });

  it('a row gone before its decision cannot be decided; one changed between decision and write is shown as a conflict', async () => {
    // Prepare
    const { service, admins, store, reviews } = await setup();
    const review = await service.open(admin, opening(), context);
    await admins.delete(admin, 'ops-deploy', 1, context);
    const original = admins.applyReviewDecision.bind(admins);
    vi.spyOn(admins, 'applyReviewDecision').mockImplementationOnce(async (actor, change, reason, ctx) => {
      await admins.put(admin, { ...row('alice-read'), maxDurationSeconds: 1800 }, 1, context);
      return original(actor, change, reason, ctx);
    });

    // Act
    const gone = service.decide(rita, review.id, 'ops-deploy', { kind: 'keep' }, context);
    const raced = await service.decide(rita, review.id, 'alice-read', { kind: 'remove' }, context);

    // Assess
    await expect(gone).rejects.toThrow(/no longer exists/);
    expect(raced.decision?.outcome).toBe('conflict');
    expect(await store.get('alice-read')).toMatchObject({ version: 2 });
    expect((await reviews.item(review.id, 'alice-read'))?.decision?.outcome).toBe('conflict');
  });

  it('closing early (admins) gives undecided items the default in the closer’s name; decisions after it are refused', async () => {
    // Prepare
    const { service, store, table } = await setup();
    const review = await service.open(admin, opening(), context);
    await service.decide(rita, review.id, 'alice-read', { kind: 'keep' }, context);

    // Act
    const refused = service.close(rita, review.id, context);
    const closed = await service.close(admin, review.id, context);
    const late = service.decide(rita, review.id, 'ops-deploy', { kind: 'keep' }, context);
    const twice = service.close(admin, review.id, context);

    // Assess
    await expect(refused).rejects.toThrow(ForbiddenError);
    expect(closed).toMatchObject({ state: 'closed', closedBy: admin.principal });
    await expect(late).rejects.toThrow(/closed/);
    await expect(twice).rejects.toThrow(ConflictError);
    expect(await store.get('alice-read')).toBeDefined();
    expect(await store.get('ops-deploy')).toBeUndefined();
    expect(await store.get('platform-rule')).toBeUndefined();
    expect(
      table.withAction('review.decide').filter((r) => r.reason?.includes('deadline default remove')),
    ).toHaveLength(2);
    expect(table.withAction('review.close').map((r) => r.reason ?? r.outcome)).toEqual([
      'denied',
      `review ${review.id}: closed early`,
    ]);
  });
});

describe('Class: ReviewDeadlines', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('tells reviewers once of a new review, reminds once a day before the deadline, then applies the default idempotently', async () => {
    // Prepare
    const { service, deadlines, notifier, store, table } = await setup();
    const review = await service.open(admin, opening({ deadlineDefault: 'keep' }), context);
    await service.decide(rita, review.id, 'alice-read', { kind: 'remove' }, context);

    // Act
    const first = await deadlines.run('run-1');
    const quiet = await deadlines.run('run-2');
    vi.setSystemTime(new Date(review.deadline.getTime() - 3_600_000));
    const reminded = await deadlines.run('run-3');
    vi.setSystemTime(review.deadline);
    const closing = await deadlines.run('run-4');
    const after = await deadlines.run('run-5');

    // Assess
    expect([first.notices, quiet.notices, reminded.notices]).toEqual([1, 0, 1]);
    expect(notifier.notices.map((n) => [n.kind, n.undecided])).toEqual([
      ['review-opened', 2],
      ['review-reminder', 2],
    ]);
    expect(closing.closed).toEqual([review.id]);
    expect(after.closed).toEqual([]);
    expect(await store.get('ops-deploy')).toMatchObject({ version: 1 });
    expect((await service.show(admin, review.id, context)).items.map((i) => i.item.decision?.kind)).toEqual([
      'remove',
      'keep',
      'keep',
    ]);
    expect(table.withAction('review.decide').filter((r) => r.principal === admin.principal)).toHaveLength(2);
    expect(table.withAction('review.close')).toEqual([
      expect.objectContaining({
        principal: admin.principal,
        reason: `review ${review.id}: closed at its deadline`,
      }),
    ]);
  });

  it('finishes a decision recorded but not applied (a run cut short), from its record', async () => {
    // Prepare: the removal is recorded, then applying it fails once
    const { service, deadlines, store, admins } = await setup();
    const review = await service.open(admin, opening(), context);
    vi.spyOn(admins, 'applyReviewDecision').mockRejectedValueOnce(new Error('audit unavailable'));
    const cut = service.decide(rita, review.id, 'alice-read', { kind: 'remove' }, context);
    await expect(cut).rejects.toThrow('audit unavailable');
    expect(await store.get('alice-read')).toBeDefined();

    // Act
    vi.setSystemTime(review.deadline);
    await deadlines.run('run-1');

    // Assess: removed by the sweep; the other two got the default (remove)
    expect(await store.get('alice-read')).toBeUndefined();
    expect(await store.get('ops-deploy')).toBeUndefined();
    expect(
      (await service.show(admin, review.id, context)).items.map((i) => i.item.decision?.outcome),
    ).toEqual(['applied', 'applied', 'applied']);
  });
});
