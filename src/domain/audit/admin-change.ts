import type { RequestContext } from '../shared/types.js';
import type { AuditAction, AuditEvent } from './audit.js';
import { type AuditActor, baseAuditEvent } from './base-event.js';
import { canonicalJson } from './chain.js';

/** What an admin change writes about: a row granting a role, which may hold an ExternalId. */
export interface AdminChangeSubject {
  id: string;
  accountId: string;
  roleArn: string;
  externalId?: string;
}

/** A row as recorded in audit: the ExternalId is a confused-deputy guard, so it is redacted. */
function redacted<T extends AdminChangeSubject>(row: T | undefined): unknown {
  if (!row) return null;
  return { ...row, ...(row.externalId !== undefined ? { externalId: '(set)' } : {}) };
}

/** A versioned write of one row: `expected` absent, it must not exist yet; `next` absent, delete. */
export interface VersionedWrite<T> {
  id: string;
  expected?: T;
  next?: T;
}

/**
 * The audit record of an admin change (entitlement.*, requestable.*) and the versioned write
 * it goes with: the row is the one after the change, or before it for a delete; `change`
 * holds both sides, redacted, as canonical JSON. Each feature adds its own fields to `event`.
 */
export function adminChangeEvent<T extends AdminChangeSubject>(
  ids: { eventId: string; now: Date },
  action: AuditAction,
  actor: AuditActor,
  context: RequestContext,
  rows: { before: T | undefined; after: T | undefined },
): { subject: T; event: AuditEvent; write: VersionedWrite<T> } {
  const { before, after } = rows;
  const subject = after ?? before;
  if (!subject) throw new Error(`${action} needs a before or an after`);
  const event: AuditEvent = {
    ...baseAuditEvent(ids, { action, outcome: 'applied' }, actor, context),
    accountId: subject.accountId,
    roleArn: subject.roleArn,
    change: canonicalJson({ before: redacted(before), after: redacted(after) }),
  };
  const write: VersionedWrite<T> = {
    id: subject.id,
    ...(before ? { expected: before } : {}),
    ...(after ? { next: after } : {}),
  };
  return { subject, event, write };
}
