import {
  InMemoryAccessRequestStore,
  InMemoryRequestableStore,
  RecordingNotifier,
} from '../../src/domain/access-requests/fakes.js';
import {
  type AccessRequestDependencies,
  AccessRequestService,
} from '../../src/domain/access-requests/service.js';
import type { Requestable } from '../../src/domain/access-requests/types.js';
import { InMemoryAuditTable, inMemoryAuditLog } from '../../src/domain/audit/fakes.js';
import { NO_FEDERATION } from '../../src/domain/identity/principal-names.js';
import { PrivilegedAccess } from '../../src/domain/identity/privileged-access.js';
import type { RoleAssignments } from '../../src/domain/identity/roles.js';
import { FakeRoleAssumer, InMemoryEntitlements } from '../../src/domain/issuance/fakes.js';
import { CredentialVendor } from '../../src/domain/issuance/vend.js';
import { systemClock } from '../../src/domain/shared/clock.js';
import { sequentialIds } from '../../src/domain/shared/fakes.js';
import { newEventId } from '../../src/domain/shared/ids.js';
import type { Entitlement } from '../../src/domain/shared/types.js';
import { caller, ISSUER } from './fixtures.js';

/** The admin and auditor callers `world()` assigns roles to. */
export const admin = caller({
  principal: `${ISSUER}#root`,
  identityKey: `oidc|${ISSUER}|root`,
  subjectKeys: [`oidc|${ISSUER}|root`],
  displayName: 'root@example.com',
});
export const auditor = caller({
  principal: `${ISSUER}#audrey`,
  identityKey: `oidc|${ISSUER}|audrey`,
  subjectKeys: [`oidc|${ISSUER}|audrey`],
  displayName: 'audrey@example.com',
});

export const context = { requestId: 'req-1', sourceIp: '192.0.2.10', userAgent: 'vitest' };

/**
 * The domain wired to in-memory fakes of every port, with the system clock (tests move it
 * with vi.useFakeTimers / vi.setSystemTime) and real ULID event ids.
 */
export function world(
  options: { entitlements?: Entitlement[]; assignments?: Partial<RoleAssignments> } = {},
) {
  const table = new InMemoryAuditTable();
  const audit = inMemoryAuditLog(table);
  const entitlements = new InMemoryEntitlements(options.entitlements ?? []);
  const sts = new FakeRoleAssumer(systemClock);
  const assignments: RoleAssignments = {
    adminKeys: [admin.identityKey],
    auditorKeys: [auditor.identityKey],
    adminGroups: [],
    auditorGroups: [],
    ...options.assignments,
  };
  const access = new PrivilegedAccess({ audit, clock: systemClock, newEventId, assignments });
  const vendor = new CredentialVendor({
    entitlements,
    audit,
    roles: sts,
    clock: systemClock,
    newEventId,
    roleChaining: false,
  });
  return { table, audit, entitlements, sts, assignments, access, vendor, ids: sequentialIds('id') };
}

/** What a test may add to the access-request service: the optional ports, absent unless given. */
type AccessRequestExtras = Partial<
  Pick<AccessRequestDependencies, 'onCall' | 'revocations' | 'onAuditFailure'>
>;

/**
 * `world()` with just-in-time access: in-memory request and requestable stores over its audit
 * table, a recording notifier, and the service over them, its request ids REQ1, REQ2, …
 */
export function accessRequestWorld(requestables: Requestable[], extras: AccessRequestExtras = {}) {
  const w = world();
  const requests = new InMemoryAccessRequestStore(w.entitlements, w.table);
  const requestableStore = new InMemoryRequestableStore(w.table, requestables);
  const notifier = new RecordingNotifier();
  let n = 0;
  const service = new AccessRequestService({
    requests,
    requestables: requestableStore,
    audit: w.audit,
    clock: systemClock,
    newEventId,
    newRequestId: () => `REQ${++n}`,
    assignments: w.assignments,
    identityRules: NO_FEDERATION,
    notifier,
    ...extras,
  });
  return { ...w, requests, requestables: requestableStore, notifier, service };
}
