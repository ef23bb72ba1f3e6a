import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbLeaseStore } from '../../src/aws/dynamodb-lease-store.js';
import { IamRevocationApplier } from '../../src/aws/iam-revocation-applier.js';
import { createIamClient } from '../../src/compose/clients.js';
import { compose, stsOf } from '../../src/compose/composition.js';
import { revocationApplierOf } from '../../src/compose/revocations.js';
import { loadConfig } from '../../src/config.js';
import { type PolicyDocument, type PolicyStatement, statementsOf } from '../../src/domain/policy/policy.js';
import { SerializedRevocationApplier } from '../../src/domain/revocation/serialized-revocations.js';
import { ConflictError } from '../../src/domain/shared/errors.js';
import { clearRevocations, dynamodb, stack, testRuntime } from './support.js';

const SOURCE_IDENTITY = 'aws:SourceIdentity';

function denyFor(sourceIdentity: string, now: Date): PolicyStatement {
  return {
    Effect: 'Deny',
    Action: '*',
    Resource: '*',
    Condition: {
      StringEquals: { [SOURCE_IDENTITY]: sourceIdentity },
      DateLessThanEquals: { 'aws:TokenIssueTime': now.toISOString().replace(/\.\d{3}Z$/, 'Z') },
    },
  };
}

const revokedIdentities = (policy: PolicyDocument | undefined) =>
  (policy ? statementsOf(policy) : []).map((s) => s.Condition?.StringEquals?.[SOURCE_IDENTITY]).sort();

describe('concurrent revocations of one role', () => {
  const role = () => stack().roles.deploy;
  beforeEach(() => clearRevocations(role()));
  afterEach(() => clearRevocations(role()));

  it('each land: no revocation overwrites another that was applied at the same time', async () => {
    // Several admin containers at once, as the deployed admin and requests functions would be.
    const appliers = Array.from({ length: 3 }, () => {
      const applier = revocationApplierOf(
        compose(loadConfig(stack().credvendEnv), testRuntime('198.51.100.10', 'admin')),
      );
      if (!applier) throw new Error('the test stack configures a revoker role');
      return applier;
    });
    const now = new Date();
    const callers = appliers.map((_, i) => `racer-${i}.0123456789abcdef0123456789abcdef`);

    await Promise.all(
      appliers.map((applier, i) => applier.apply(role(), denyFor(callers[i] ?? '', now), now)),
    );

    // A later revocation reads what IAM now holds and adds to it.
    const after = await appliers[0]?.apply(
      role(),
      denyFor('last.0123456789abcdef0123456789abcdef', now),
      now,
    );
    expect(revokedIdentities(after)).toEqual([...callers, 'last.0123456789abcdef0123456789abcdef'].sort());
  });

  it('waits while another holds the role, refuses with a conflict when it stays busy, and goes ahead once it is released and settled', async () => {
    const leases = new DynamoDbLeaseStore(dynamodb(), stack().credvendEnv.CREDVEND_RATE_LIMITS_TABLE ?? '');
    const name = `revocation-lease|${role()}`;
    const now = new Date();
    // The previous test's last revocation leaves the role leased while IAM settles.
    await expect
      .poll(() => leases.acquire(name, 'another-admin', new Date(Date.now() + 1500), new Date()), {
        timeout: 5000,
        interval: 200,
      })
      .toBe(true);
    const root = compose(loadConfig(stack().credvendEnv), testRuntime('198.51.100.10', 'admin'));
    const { revocation } = root.config;
    if (!revocation) throw new Error('the test stack configures a revoker role');
    const inner = new IamRevocationApplier(stsOf(root), {
      revokerRoleName: revocation.revokerRoleName,
      iamClientFor: (credentials) => createIamClient(root.config, credentials),
    });
    const impatient = new SerializedRevocationApplier(inner, leases, { waitMs: 300 });
    const patient = new SerializedRevocationApplier(inner, leases, { waitMs: 10_000, settleMs: 800 });
    const statement = denyFor('queued.0123456789abcdef0123456789abcdef', now);

    await expect(impatient.apply(role(), statement, now)).rejects.toBeInstanceOf(ConflictError);
    const applied = await patient.apply(role(), statement, now);

    expect(revokedIdentities(applied)).toContain('queued.0123456789abcdef0123456789abcdef');
    // Held a moment longer for IAM to settle, then free for the next revocation of the role.
    expect(await leases.acquire(name, 'next-admin', new Date(Date.now() + 1000), new Date())).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 900));
    expect(await leases.acquire(name, 'next-admin', new Date(Date.now() + 1000), new Date())).toBe(true);
    await leases.release(name, 'next-admin', new Date());
  });
});
