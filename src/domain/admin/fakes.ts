import type { ChainedAuditEvent } from '../audit/audit.js';
import type { InMemoryAuditTable } from '../audit/fakes.js';
import type { InMemoryEntitlements } from '../issuance/fakes.js';
import { ConflictError, InvalidRequestError } from '../shared/errors.js';
import { Faults } from '../shared/fakes.js';
import type { Entitlement } from '../shared/types.js';
import type { EntitlementAdminStore, EntitlementChange, EntitlementPage } from './ports.js';

/**
 * The admin side of the entitlement table, as DynamoDbEntitlementAdminStore writes it: a
 * registry entry per id (unique across subjects, holding the version) guards every write,
 * which lands in one transaction with its audit record. A stale or duplicate write is a
 * ConflictError and changes nothing.
 */
export class InMemoryEntitlementAdminStore implements EntitlementAdminStore {
  readonly faults = new Faults<'read' | 'write'>();

  constructor(
    private readonly table: InMemoryEntitlements,
    private readonly audit: InMemoryAuditTable,
  ) {}

  async get(id: string): Promise<Entitlement | undefined> {
    this.faults.check('read');
    const entry = this.table.registry.get(id);
    return entry && this.table.bySubject(entry.subject).find((e) => e.id === id);
  }

  async countSubject(subject: string, upTo: number): Promise<number> {
    this.faults.check('read');
    return Math.min(upTo, this.table.bySubject(subject).length);
  }

  /** Rows in key order; the cursor is the last key returned, as the Scan's LastEvaluatedKey. */
  async list(limit: number, cursor?: string): Promise<EntitlementPage> {
    this.faults.check('read');
    const key = (e: Entitlement) => JSON.stringify([e.subject, e.id]);
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const rows = this.table
      .all()
      .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
      .filter((e) => after === undefined || key(e) > after);
    const entitlements = rows.slice(0, limit);
    const last = entitlements.at(-1);
    return last && rows.length > limit
      ? { entitlements, nextCursor: Buffer.from(key(last)).toString('base64url') }
      : { entitlements };
  }

  async write(change: EntitlementChange, audit: ChainedAuditEvent): Promise<void> {
    this.faults.check('write');
    const { id, expected, next } = change;
    const entry = this.table.registry.get(id);
    const guardHolds = expected ? entry?.version === expected.version : entry === undefined;
    if (!guardHolds) throw new ConflictError(`entitlement ${id} changed since it was read; read it again`);
    this.audit.assertNew(audit);
    if (expected) this.table.remove(expected.subject, id);
    if (next) this.table.put(next);
    this.audit.commit(audit);
  }
}

function decodeCursor(cursor: string): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 2 || !parsed.every((part) => typeof part === 'string')) {
      throw new Error('shape');
    }
    return JSON.stringify(parsed);
  } catch {
    throw new InvalidRequestError('cursor is invalid');
  }
}
