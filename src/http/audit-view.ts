import type { ChainedAuditEvent } from '../domain/audit/audit.js';
import type { AuditVerificationReport } from '../domain/audit/digest-verify.js';
import type { AuditPage } from '../domain/audit/query.js';
import type { RevocationResult } from '../domain/revocation/revoke.js';
import {
  type AccessKeyIssuanceWire,
  type AuditEventWire,
  type AuditPageWire,
  auditEventWire,
  type ExportErrorLineWire,
  type RevocationResultWire,
  type VerificationReportWire,
  verificationReportWire,
} from '../wire/audit.js';
import { toProblem } from './problem.js';

/**
 * A stored record as auditors read it: the wire schema is the allow-list (a field it does
 * not name is dropped) and the check that what leaves has the documented shape.
 */
export function toAuditEventWire(event: ChainedAuditEvent): AuditEventWire {
  return auditEventWire.parse(event);
}

export function toAuditPageWire(page: AuditPage): AuditPageWire {
  const wire: AuditPageWire = { events: page.events.map(toAuditEventWire) };
  if (page.unreadable?.length)
    wire.unreadable = page.unreadable.map(({ eventId, detail }) => ({ eventId, status: 500, detail }));
  if (page.nextCursor !== undefined) wire.nextCursor = page.nextCursor;
  return wire;
}

/** The NDJSON lines of one page: its records, then a line for each record it could not read. */
export function toExportLines(page: AuditPage, requestId: string): string {
  const lines = page.events.map((event) => JSON.stringify(toAuditEventWire(event)));
  for (const { eventId, detail } of page.unreadable ?? []) {
    const line: ExportErrorLineWire = {
      error: { ...toProblem(new Error(detail), requestId).body, eventId, detail },
    };
    lines.push(JSON.stringify(line));
  }
  return lines.map((line) => `${line}\n`).join('');
}

/** The last line of an export that failed part-way: the problem, as a 500 would carry it. */
export function exportFailureLine(error: unknown, requestId: string): string {
  const { type, title, status } = toProblem(error, requestId).body;
  const line: ExportErrorLineWire = {
    error: { type, title, status, requestId, detail: 'the export stopped here and is incomplete' },
  };
  return `${JSON.stringify(line)}\n`;
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
