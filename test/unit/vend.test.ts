import { describe, expect, it } from 'vitest';
import { callerFromAwsArn } from '../../src/auth/aws-principal.js';
import type { AuditEvent } from '../../src/domain/audit/audit.js';
import type { AuditLog } from '../../src/domain/audit/ports.js';
import type { EntitlementStore, RateLimitBucket, RoleAssumer } from '../../src/domain/issuance/ports.js';
import { CredentialVendor } from '../../src/domain/issuance/vend.js';
import {
  AuditUnavailableError,
  EntitlementStoreUnavailableError,
  NotEntitledError,
  StsThrottledError,
} from '../../src/domain/shared/errors.js';
import type { AssumedRole, Entitlement, IssuancePlan } from '../../src/domain/shared/types.js';
import { caller, entitlement } from './fixtures.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY';
const TOKEN = 'FwoGZXIvYXdzSESSIONTOKEN';

class MemoryAudit implements AuditLog {
  events: AuditEvent[] = [];
  failing = false;
  async append(event: AuditEvent): Promise<void> {
    if (this.failing) throw new Error('audit table unavailable');
    this.events.push(event);
  }
}

class MemoryEntitlements implements EntitlementStore {
  failing = false;
  constructor(private readonly rows: Entitlement[]) {}
  async listForSubjects(keys: readonly string[]): Promise<Entitlement[]> {
    if (this.failing) throw new Error('dynamodb down');
    return this.rows.filter((e) => keys.includes(e.subject));
  }
}

/** A role assumer that behaves like STS for a given plan, or fails as told. */
class FakeSts implements RoleAssumer {
  calls: IssuancePlan[] = [];
  error: Error | undefined;
  async assumeRole(plan: IssuancePlan): Promise<AssumedRole> {
    this.calls.push(plan);
    if (this.error) throw this.error;
    return {
      credentials: {
        accessKeyId: 'ASIAEXAMPLEKEY000001',
        secretAccessKey: SECRET,
        sessionToken: TOKEN,
        expiration: new Date(Date.UTC(2026, 0, 1, 1)),
      },
      assumedRoleArn: `arn:aws:sts::222222222222:assumed-role/reader/${plan.sessionName}`,
      packedPolicySize: 7,
    };
  }
}

const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const READ_ONLY_DOCUMENT = {
  Version: '2012-10-17' as const,
  Statement: [{ Effect: 'Allow' as const, Action: ['s3:Get*', 's3:List*'], Resource: '*' }],
};

function setup() {
  const audit = new MemoryAudit();
  const entitlements = new MemoryEntitlements([
    entitlement(),
    entitlement({ id: 'managed', managedPolicyArns: [READ_ONLY] }),
    entitlement({ id: 'other', subject: 'oidc|x|bob' }),
  ]);
  const sts = new FakeSts();
  let n = 0;
  const vendor = new CredentialVendor({
    entitlements,
    audit,
    roles: sts,
    clock: { now: () => new Date(Date.UTC(2026, 0, 1)) },
    newEventId: () => `EVENT${++n}`,
    roleChaining: false,
    managedPolicies: {
      read: async (arns) => new Map(arns.filter((a) => a === READ_ONLY).map((a) => [a, READ_ONLY_DOCUMENT])),
    },
  });
  return { audit, entitlements, sts, vendor };
}

const context = { requestId: 'req-1', sourceIp: '192.0.2.1', userAgent: 'test' };

describe('CredentialVendor.issue', () => {
  it('proves a narrowing inside a managed policy it read and sends the policy alone', async () => {
    const { sts, vendor } = setup();
    const sessionPolicy = {
      Version: '2012-10-17' as const,
      Statement: [{ Effect: 'Allow' as const, Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*' }],
    };
    await vendor.issue(caller(), { target: { entitlementId: 'managed' }, sessionPolicy }, context);
    expect(sts.calls[0]).toMatchObject({ policyArns: [], sessionPolicy: JSON.stringify(sessionPolicy) });
  });

  it('issues and writes one audit record without the secret or the token', async () => {
    const { audit, vendor } = setup();
    const issuance = await vendor.issue(
      caller(),
      { target: { entitlementId: 'ent-1' }, reason: 'why' },
      context,
    );

    expect(issuance.assumed.credentials.secretAccessKey).toBe(SECRET);
    expect(audit.events).toHaveLength(1);
    expect(audit.events[0]).toMatchObject({
      outcome: 'issued',
      accessKeyId: 'ASIAEXAMPLEKEY000001',
      expiration: '2026-01-01T01:00:00.000Z',
      packedPolicySize: 7,
      reason: 'why',
      sourceIp: '192.0.2.1',
      entitlementId: 'ent-1',
    });
    expect(JSON.stringify(audit.events)).not.toContain(SECRET);
    expect(JSON.stringify(audit.events)).not.toContain(TOKEN);
  });

  it("denies by default, even for another caller's entitlement, and audits the denial", async () => {
    const { audit, sts, vendor } = setup();
    await expect(vendor.issue(caller(), { target: { entitlementId: 'other' } }, context)).rejects.toThrow(
      NotEntitledError,
    );
    expect(sts.calls).toHaveLength(0);
    expect(audit.events).toEqual([
      expect.objectContaining({ outcome: 'denied', problemCode: 'not-entitled' }),
    ]);
  });

  it('returns no credentials when the audit write fails after AssumeRole', async () => {
    const { audit, sts, vendor } = setup();
    audit.failing = true;
    await expect(vendor.issue(caller(), { target: { entitlementId: 'ent-1' } }, context)).rejects.toThrow(
      AuditUnavailableError,
    );
    expect(sts.calls).toHaveLength(1);
  });

  it('treats an unreadable entitlement store as an error, audited', async () => {
    const { audit, entitlements, vendor } = setup();
    entitlements.failing = true;
    await expect(vendor.issue(caller(), { target: { entitlementId: 'ent-1' } }, context)).rejects.toThrow(
      EntitlementStoreUnavailableError,
    );
    expect(audit.events).toEqual([
      expect.objectContaining({ outcome: 'error', problemCode: 'entitlement-store-unavailable' }),
    ]);
  });

  it('records an STS throttle as an error, with the plan it would have used', async () => {
    const { audit, sts, vendor } = setup();
    sts.error = new StsThrottledError(2);
    await expect(vendor.issue(caller(), { target: { entitlementId: 'ent-1' } }, context)).rejects.toThrow(
      StsThrottledError,
    );
    expect(audit.events[0]).toMatchObject({
      outcome: 'error',
      problemCode: 'sts-throttled',
      sessionName: 'alice@example.com',
    });
  });
});

describe('quotas', () => {
  it('counts an AWS caller by its role, so renaming sessions does not multiply its quota', async () => {
    const counted: string[] = [];
    const role = 'aws|arn:aws:iam::111111111111:role/deployer';
    const vendor = new CredentialVendor({
      entitlements: new MemoryEntitlements([entitlement({ subject: role })]),
      audit: new MemoryAudit(),
      roles: new FakeSts(),
      clock: { now: () => new Date(Date.UTC(2026, 0, 1)) },
      newEventId: () => `EVENT${counted.length}`,
      roleChaining: false,
      rateLimits: {
        limiter: {
          take: async (buckets: readonly RateLimitBucket[]) => {
            counted.push(...buckets.map((b) => `${b.scope}|${b.id}`));
          },
        },
        caller: { limit: 1, windowSeconds: 60 },
      },
    });
    for (const session of ['build-1', 'build-2', 'alice@example.com']) {
      const aws = callerFromAwsArn(`arn:aws:sts::111111111111:assumed-role/deployer/${session}`);
      if (!aws) throw new Error('an assumed-role ARN maps to a caller');
      await vendor.issue(aws, { target: { entitlementId: 'ent-1' } }, context);
    }
    expect(new Set(counted)).toEqual(new Set([`caller|${role}`]));
  });
});
