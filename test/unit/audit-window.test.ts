import { describe, expect, it } from 'vitest';
import type { ChainedAuditEvent } from '../../src/domain/audit/audit.js';
import { InMemoryAuditTable } from '../../src/domain/audit/fakes.js';
import { readAuditWindow } from '../../src/domain/audit/window.js';
import { mapLimited } from '../../src/domain/shared/map-limited.js';
import { ISSUANCE_OF_CASES } from '../fixtures/cloudtrail.js';

/** `count` issuances on one role, a second apart, alternating between two entitlements. */
function tableWith(count: number): InMemoryAuditTable {
  const table = new InMemoryAuditTable();
  for (let n = 0; n < count; n++) {
    const record: ChainedAuditEvent = {
      ...ISSUANCE_OF_CASES,
      eventId: `E${String(n).padStart(25, '0')}`,
      time: new Date(Date.UTC(2026, 11, 7, 10, 0, n)).toISOString(),
      roleArn: 'arn:aws:iam::222222222222:role/reader',
      entitlementId: n % 2 === 0 ? 'even' : 'odd',
      seq: n,
    };
    table.commit(record);
  }
  return table;
}

const request = {
  filter: { by: 'roleArn' as const, value: 'arn:aws:iam::222222222222:role/reader' },
  from: '2026-12-07T00:00:00.000Z',
  to: '2026-12-08T00:00:00.000Z',
};

describe('reading a window of the audit', () => {
  it('reads every page when the budget allows, newest first', async () => {
    const window = await readAuditWindow(tableWith(2500), request, { maxPages: 5 });
    expect(window.complete).toBe(true);
    expect(window.events).toHaveLength(2500);
    expect(window.events[0]?.seq).toBe(2499);
  });

  it('says it is incomplete when the page budget runs out', async () => {
    const window = await readAuditWindow(tableWith(2500), request, { maxPages: 2 });
    expect(window).toMatchObject({ complete: false });
    expect(window.events).toHaveLength(2000);
  });

  it('keeps only what is asked for and stops once it has enough', async () => {
    const window = await readAuditWindow(tableWith(2500), request, {
      maxPages: 5,
      wanted: 300,
      keep: (e) => e.entitlementId === 'even',
    });
    expect(window.complete).toBe(false);
    expect(window.events.every((e) => e.entitlementId === 'even')).toBe(true);
    expect(window.events).toHaveLength(500);
  });
});

describe('bounded concurrency', () => {
  it('answers in the items’ order with no more than the limit in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await mapLimited([5, 1, 4, 2, 3], 2, async (n) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, n));
      inFlight--;
      return n * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });
});
