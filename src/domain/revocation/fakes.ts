import type { ChainedAuditEvent } from '../audit/audit.js';
import type { InMemoryAuditTable } from '../audit/fakes.js';
import { type PolicyDocument, type PolicyStatement, statementsOf } from '../policy/policy.js';
import { Faults } from '../shared/fakes.js';
import {
  IntentCompletedError,
  type LeaseStore,
  type RevocationApplier,
  type RevocationIntent,
  type RevocationIntentLog,
  type RevocationLookup,
} from './ports.js';
import { ROLE_MANAGED_POLICY_QUOTA, withRevocation } from './revocation.js';

/**
 * Leases as DynamoDbLeaseStore keeps them: `acquire` wins when the lease is free or its
 * `until` is before now (milliseconds); `release` moves the end of one's own lease to
 * `freeAt` and leaves a lease someone else took over alone.
 */
export class InMemoryLeaseStore implements LeaseStore {
  private readonly leases = new Map<string, { holder: string; until: number }>();
  readonly faults = new Faults<'acquire' | 'release'>();

  async acquire(name: string, holder: string, until: Date, now: Date): Promise<boolean> {
    this.faults.check('acquire');
    const held = this.leases.get(name);
    if (held && !(held.until < now.getTime())) return false;
    this.leases.set(name, { holder, until: until.getTime() });
    return true;
  }

  async release(name: string, holder: string, freeAt: Date): Promise<void> {
    this.faults.check('release');
    const held = this.leases.get(name);
    if (held?.holder === holder) held.until = freeAt.getTime();
  }

  /** Who holds `name` and until when (ms), expired or not. */
  holderOf(name: string): { holder: string; until: number } | undefined {
    const held = this.leases.get(name);
    return held && { ...held };
  }
}

/**
 * A target role's revocation policies, kept as IamRevocationApplier keeps them: read every
 * slot, merge with `withRevocation`, write the slots back. Like IAM it has no
 * compare-and-set, and `between` runs after the read and before the write, so two
 * concurrent applies that are not serialized lose one statement, as they would in IAM.
 */
export class InMemoryRevocationApplier implements RevocationApplier {
  private readonly slots = new Map<string, PolicyDocument[]>();
  readonly applied: Array<{ roleArn: string; statement: PolicyStatement }> = [];
  readonly faults = new Faults<'apply'>();

  constructor(private readonly options: { maxSlots?: number; between?: () => Promise<void> } = {}) {}

  async apply(roleArn: string, statement: PolicyStatement, now: Date): Promise<PolicyDocument> {
    this.faults.check('apply');
    const read = this.slots.get(roleArn) ?? [];
    await (this.options.between ?? (() => Promise.resolve()))();
    const next = withRevocation(read, statement, now, this.options.maxSlots ?? ROLE_MANAGED_POLICY_QUOTA);
    this.slots.set(roleArn, next);
    this.applied.push({ roleArn, statement });
    return { Version: '2012-10-17', Statement: next.flatMap(statementsOf) };
  }

  /** The statements in force on a role now. */
  statementsOn(roleArn: string): PolicyStatement[] {
    return (this.slots.get(roleArn) ?? []).flatMap(statementsOf);
  }
}

/** Revocations read back from the audit table by role and time, as DynamoDbRevocationLookup does. */
export class AuditRevocationLookup implements RevocationLookup {
  constructor(private readonly audit: InMemoryAuditTable) {}

  async revokedSince(roleArn: string, sourceIdentity: string, since: Date): Promise<boolean> {
    const from = since.toISOString();
    return this.audit
      .records()
      .some(
        (r) =>
          r.roleArn === roleArn &&
          r.time >= from &&
          r.action === 'audit.revoke' &&
          r.sourceIdentity === sourceIdentity,
      );
  }
}

/**
 * Intents as DynamoDbRevocationIntentLog keeps them: `record` replaces an intent of the same
 * issuance; `completeWith` removes it and writes the audit record in one transaction, and
 * refuses (writing neither) when the intent is gone.
 */
export class InMemoryRevocationIntentLog implements RevocationIntentLog {
  private readonly intents = new Map<string, RevocationIntent>();
  readonly faults = new Faults<'record' | 'due' | 'complete'>();

  constructor(private readonly audit: InMemoryAuditTable) {}

  async record(intent: RevocationIntent): Promise<void> {
    this.faults.check('record');
    this.intents.set(intent.id, structuredClone(intent));
  }

  async due(limit: number): Promise<RevocationIntent[]> {
    this.faults.check('due');
    return [...this.intents.values()]
      .sort((a, b) => a.recordedAt.getTime() - b.recordedAt.getTime())
      .slice(0, limit)
      .map((i) => structuredClone(i));
  }

  async completeWith(id: string, record: ChainedAuditEvent): Promise<void> {
    this.faults.check('complete');
    if (!this.intents.has(id)) throw new IntentCompletedError(`revocation ${id} is no longer due`);
    this.audit.assertNew(record);
    this.intents.delete(id);
    this.audit.commit(record);
  }
}
