import type { ChainedAuditEvent } from '../domain/audit/audit.js';
import type { AuditVerificationReport } from '../domain/audit/digest-verify.js';
import type { AuditPage } from '../domain/audit/query.js';
import type { RevocationResult } from '../domain/revocation/revoke.js';
import {
  type AccessKeyIssuanceWire,
  type AuditEventWire,
  type AuditPageWire,
  auditEventWire,
  type RevocationResultWire,
  type VerificationReportWire,
  verificationReportWire,
} from '../wire/audit.js';

/**
 * A stored record as auditors read it: the wire schema is the allow-list (a field it does
 * not name is dropped) and the check that what leaves has the documented shape.
 */
export function toAuditEventWire(event: ChainedAuditEvent): AuditEventWire {
  return auditEventWire.parse(event);
}

export function toAuditPageWire(page: AuditPage): AuditPageWire {
  const wire: AuditPageWire = { events: page.events.map(toAuditEventWire) };
  if (page.nextCursor !== undefined) wire.nextCursor = page.nextCursor;
  return wire;
}

export function toAccessKeyIssuanceWire(
  issuance: ChainedAuditEvent,
  withheld: boolean,
): AccessKeyIssuanceWire {
  return { ...toAuditEventWire(issuance), withheld };
}

export function toVerificationReportWire(report: AuditVerificationReport): VerificationReportWire {
  return verificationReportWire.parse(report);
}

export function toRevocationWire(result: RevocationResult): RevocationResultWire {
  const wire: RevocationResultWire = {
    eventId: result.eventId,
    revocationEventId: result.revocationEventId,
    roleArn: result.roleArn,
    applied: result.applied,
    policy: result.policy,
  };
  if (result.detail !== undefined) wire.detail = result.detail;
  return wire;
}
