import type { AuditEvent, ChainedAuditEvent } from './audit.js';

/** Appends audit events. Resolves only once the event is durably stored. */
export interface AuditLog {
  append(event: AuditEvent): Promise<void>;
}

/** An audit log that can store a record in the same transaction as another write. */
export interface TransactionalAuditLog extends AuditLog {
  appendWith(event: AuditEvent, write: (record: ChainedAuditEvent) => Promise<void>): Promise<void>;
}
