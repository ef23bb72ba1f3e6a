import type { ChainedAuditEvent } from './audit.js';
import type { AuditFilter, AuditReader } from './query.js';

/** Records per page a window read asks for (the reader's largest page). */
const PAGE = 1000;

export interface AuditWindow {
  /** The kept records read, newest first. */
  events: ChainedAuditEvent[];
  /** False when pages were left unread: the page budget ran out, or enough were kept. */
  complete: boolean;
}

/**
 * The records of one audit filter between two instants, newest first, reading at most
 * `maxPages` pages (a report or a suggestion, not an export) and stopping once `wanted`
 * records were kept. Callers say what an incomplete window means for their answer.
 */
export async function readAuditWindow(
  reader: AuditReader,
  request: { filter: AuditFilter; from: string; to: string },
  limits: { maxPages: number; wanted?: number; keep?: (event: ChainedAuditEvent) => boolean },
): Promise<AuditWindow> {
  const events: ChainedAuditEvent[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < limits.maxPages; pages += 1) {
    const page = await reader.page({ ...request, limit: PAGE, ...(cursor ? { cursor } : {}) });
    events.push(...(limits.keep ? page.events.filter(limits.keep) : page.events));
    cursor = page.nextCursor;
    if (!cursor) return { events, complete: true };
    if (limits.wanted !== undefined && events.length >= limits.wanted) return { events, complete: false };
  }
  return { events, complete: false };
}
