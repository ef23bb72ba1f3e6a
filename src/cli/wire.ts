import * as z from 'zod';

/**
 * The API answers the CLI reads are parsed with the server's own wire schemas (src/wire),
 * so the CLI and the API cannot drift apart unnoticed.
 */
export {
  type AccessRequestWire,
  accessRequestListWire,
  accessRequestWire,
  requestableListWire,
  requestableWire,
} from '../wire/access-requests.js';
export { activityWire as activity, policySuggestionWire as policySuggestion } from '../wire/activity.js';
export { auditPageWire as auditPage } from '../wire/audit.js';
export {
  type CredentialsResponseWire as CredentialsResponse,
  consoleResponseWire as consoleResponse,
  credentialsResponseWire as credentialsResponse,
} from '../wire/credentials.js';
export { myEntitlementsWire as entitlementsMine } from '../wire/entitlements.js';
export { planResponseWire as planResponse } from '../wire/plan.js';

/** Answers the CLI only prints (admin and subjects output). */
export const anyObject = z.record(z.string(), z.unknown());
