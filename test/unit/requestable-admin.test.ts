import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InMemoryRequestableStore } from '../../src/domain/access-requests/fakes.js';
import {
  RequestableAdmin,
  type RequestableInput,
} from '../../src/domain/access-requests/requestable-admin.js';
import { NO_FEDERATION } from '../../src/domain/identity/principal-names.js';
import { systemClock } from '../../src/domain/shared/clock.js';
import {
  ConflictError,
  ForbiddenError,
  InvalidRequestError,
  NotFoundError,
} from '../../src/domain/shared/errors.js';
import { newEventId } from '../../src/domain/shared/ids.js';
import { caller, ISSUER } from './fixtures.js';
import { admin, context, world } from './world.js';

const T0 = new Date('2026-04-01T08:00:00.000Z');
const bob = `${ISSUER}#bob`;

function input(overrides: Partial<RequestableInput> = {}): RequestableInput {
  return {
    id: 'prod-admin',
    requesters: { principals: [], groups: ['engineers'] },
    approvers: { principals: [bob], groups: [] },
    quorum: 1,
    accountId: '222222222222',
    roleArn: 'arn:aws:iam::222222222222:role/credvend-admin',
    managedPolicyArns: [],
    tags: {},
    maxSessionSeconds: 3600,
    maxGrantSeconds: 7200,
    answerWithinSeconds: 3600,
    breakGlass: false,
    ...overrides,
  };
}

function setup() {
  const w = world();
  const store = new InMemoryRequestableStore(w.table);
  const service = new RequestableAdmin({
    store,
    audit: w.audit,
    access: w.access,
    clock: systemClock,
    newEventId,
    rules: { groupIssuer: ISSUER, identity: NO_FEDERATION },
  });
  return { ...w, store, service };
}

async function issuesOf(attempt: Promise<unknown>): Promise<string[]> {
  const error = await attempt.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof InvalidRequestError))
    throw new Error(`expected InvalidRequestError, got ${String(error)}`);
  return error.issues.map((i) => `${i.path}: ${i.message}`);
}

describe('Class: RequestableAdmin', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('creates, replaces at the version read, and deletes, each with its audit record', async () => {
    // Prepare
    const { service, store, table } = setup();

    // Act
    const created = await service.put(admin, input({ externalId: 'guard-me' }), undefined, context);
    const replaced = await service.put(admin, input({ description: 'prod' }), 1, context);
    const stale = service.put(admin, input(), 1, context);
    await service.delete(admin, 'prod-admin', 2, context);

    // Assess
    expect([created.version, replaced.version]).toEqual([1, 2]);
    await expect(stale).rejects.toThrow(ConflictError);
    expect(await store.get('prod-admin')).toBeUndefined();
    expect(table.records().map((r) => [r.action, r.outcome, r.detail])).toEqual([
      ['requestable.put', 'applied', 'requestable access prod-admin'],
      ['requestable.put', 'applied', 'requestable access prod-admin'],
      ['requestable.delete', 'applied', 'requestable access prod-admin'],
    ]);
    expect(table.records()[0]).toMatchObject({
      roleArn: input().roleArn,
      sourceIp: context.sourceIp,
      time: T0.toISOString(),
    });
    expect(JSON.stringify(table.records())).not.toContain('guard-me');
    expect(table.records()[0]?.change).toContain('"externalId":"(set)"');
    await expect(service.delete(admin, 'prod-admin', 3, context)).rejects.toThrow(NotFoundError);
  });

  it('re-saving identical content changes nothing: no new version, no audit record', async () => {
    // Prepare
    const { service, store, table } = setup();
    await service.put(admin, input({ externalId: 'guard-me' }), undefined, context);

    // Act
    const again = await service.put(admin, input({ externalId: 'guard-me' }), 1, context);
    const newGuard = await service.put(admin, input({ externalId: 'another' }), 1, context);

    // Assess
    expect([again.version, newGuard.version]).toEqual([1, 2]);
    expect(await store.get('prod-admin')).toMatchObject({ version: 2, externalId: 'another' });
    expect(table.withAction('requestable.put')).toHaveLength(2);
  });

  it('of two admins writing the version they both read, exactly one lands', async () => {
    // Prepare
    const { service, table } = setup();
    await service.put(admin, input(), undefined, context);

    // Act
    const results = await Promise.allSettled([
      service.put(admin, input({ quorum: 1, description: 'a' }), 1, context),
      service.put(admin, input({ description: 'b' }), 1, context),
    ]);

    // Assess
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(table.withAction('requestable.put')).toHaveLength(2);
  });

  it('collects every rule a requestable breaks, and stores nothing', async () => {
    // Prepare
    const { service, store } = setup();
    const broken = input({
      accountId: '333333333333',
      maxGrantSeconds: 8 * 86_400,
      maxSessionSeconds: 100,
      breakGlass: true,
      autoApproval: { requesters: { principals: [], groups: ['engineers'] }, maxGrantSeconds: 9 * 86_400 },
      approvers: { principals: [], groups: [] },
      quorum: 2,
      ticketPattern: '([',
    });

    // Act
    const issues = await issuesOf(service.put(admin, broken, undefined, context));

    // Assess
    expect(issues).toEqual([
      "accountId: must be the role's account (222222222222)",
      'maxSessionSeconds: must be an integer from 900 to 43200 seconds',
      'maxGrantSeconds: from 1800 to 604800',
      'maxGrantSeconds: break-glass grants last at most 14400 s',
      'autoApproval: break-glass needs no approval rule',
      'approvers: name at least one approver (break-glass grants are reviewed by them)',
      'quorum: more approvals than distinct named approvers',
      'autoApproval.maxGrantSeconds: at most maxGrantSeconds',
      'ticketPattern: not a valid regular expression',
    ]);
    expect(await store.list()).toEqual([]);
  });

  it('refuses what would refuse its grants at issuance, by the rules of entitlements', async () => {
    // Prepare: each of these passed before and failed every grant's first issuance.
    const { service, store } = setup();
    const broken = input({
      tags: { 'aws:team': 'x', 'credvend-grant': 'forged', 'credvend-caller': 'bob' },
      managedPolicyArns: ['not-an-arn'],
      externalId: 'a',
    });

    // Act
    const issues = await issuesOf(service.put(admin, broken, undefined, context));

    // Assess
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^managedPolicyArns\.0: /),
        expect.stringMatching(/^tags\.aws:team: .*reserved aws: prefix/),
        expect.stringMatching(/^tags\.credvend-grant: reserved/),
        expect.stringMatching(/^tags\.credvend-caller: reserved/),
        expect.stringMatching(/^externalId: /),
      ]),
    );
    expect(await store.list()).toEqual([]);
  });

  it('accepts the limits themselves', async () => {
    // Prepare
    const { service } = setup();

    // Act / Assess
    await expect(
      service.put(admin, input({ maxGrantSeconds: 1800, maxSessionSeconds: 900 }), undefined, context),
    ).resolves.toMatchObject({ version: 1 });
    await expect(
      service.put(
        admin,
        input({ id: 'bg', breakGlass: true, maxGrantSeconds: 14_400, maxSessionSeconds: 43_200 }),
        undefined,
        context,
      ),
    ).resolves.toMatchObject({ version: 1 });
    await expect(
      service.put(
        admin,
        input({
          id: 'week',
          maxGrantSeconds: 7 * 86_400,
          quorum: 3,
          approvers: { principals: [bob], groups: ['sre'] },
        }),
        undefined,
        context,
      ),
    ).resolves.toMatchObject({ version: 1 });
    await expect(
      service.put(
        admin,
        input({
          id: 'auto',
          ticketPattern: '^OPS-\\d+$',
          autoApproval: { requesters: { principals: [], groups: [] }, maxGrantSeconds: 7200 },
        }),
        undefined,
        context,
      ),
    ).resolves.toMatchObject({ version: 1 });
  });

  it('lets admins write and list all; others list only what they may request', async () => {
    // Prepare
    const { service, table } = setup();
    await service.put(admin, input(), undefined, context);
    await service.put(
      admin,
      input({ id: 'mine', requesters: { principals: [caller().principal], groups: [] } }),
      undefined,
      context,
    );
    await service.put(admin, input({ id: 'engineers' }), undefined, context);
    const engineer = caller({ subjectKeys: [`oidc|${ISSUER}|alice`, `group|${ISSUER}|engineers`] });

    // Act
    const all = await service.list(admin, { kind: 'all' });
    const forAlice = await service.list(caller(), undefined);
    const forEngineer = await service.list(engineer, undefined);
    const refused = service.put(caller(), input({ id: 'x' }), undefined, context);

    // Assess
    expect(all.map((r) => r.id).sort()).toEqual(['engineers', 'mine', 'prod-admin']);
    expect(forAlice.map((r) => r.id)).toEqual(['mine']);
    expect(forEngineer.map((r) => r.id).sort()).toEqual(['engineers', 'mine', 'prod-admin']);
    await expect(refused).rejects.toThrow(ForbiddenError);
    await expect(service.delete(caller(), 'mine', 1, context)).rejects.toThrow(ForbiddenError);
    expect(table.withAction('requestable.delete')).toEqual([
      expect.objectContaining({ outcome: 'denied', problemCode: 'forbidden' }),
    ]);
  });
});
