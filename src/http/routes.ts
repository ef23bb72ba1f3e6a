import * as z from 'zod';
import {
  accessRequestBodyWire,
  accessRequestListQueryWire,
  accessRequestListWire,
  accessRequestWire,
  decisionBodyWire,
  extensionBodyWire,
  requestableBodyWire,
  requestableListWire,
  requestableWire,
  slackReplyWire,
} from '../wire/access-requests.js';
import {
  activityQueryWire,
  activityWire,
  policySuggestionWire,
  suggestionQueryWire,
} from '../wire/activity.js';
import { adminScopeWire } from '../wire/admin-scope.js';
import {
  accessKeyIssuanceWire,
  auditEventWire,
  auditExportLineWire,
  auditPageWire,
  auditQueryWire,
  revocationResultWire,
  verificationReportWire,
  verifyQueryWire,
} from '../wire/audit.js';
import { callerWire } from '../wire/caller.js';
import { issuanceRequestWire, issuedCredentialsWire } from '../wire/credentials.js';
import {
  adminEntitlementListWire,
  adminEntitlementWire,
  entitlementInputWire,
  entitlementListQueryWire,
  entitlementPutResultWire,
  myEntitlementsWire,
} from '../wire/entitlements.js';
import { planResponseWire } from '../wire/plan.js';
import { healthWire } from '../wire/problem.js';
import {
  openReviewBodyWire,
  reviewDecisionBodyWire,
  reviewDetailWire,
  reviewItemWire,
  reviewListQueryWire,
  reviewListWire,
  reviewWire,
  unusedAccessQueryWire,
  unusedAccessWire,
} from '../wire/reviews.js';
import { explainRequestWire, explanationWire, subjectListWire } from '../wire/subjects.js';

/** The Lambda functions; each serves the routes below that name it. */
export type FunctionName = 'vend' | 'audit' | 'admin' | 'requests' | 'portal';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

type MediaType =
  | 'application/json'
  | 'text/plain'
  | 'application/x-ndjson'
  | 'text/html'
  | 'text/javascript'
  | 'text/css';

/** One successful answer of a route; errors are always application/problem+json. */
export interface ResponseContract {
  status: 200 | 201 | 204;
  description: string;
  /** Body schemas by media type; none for 204. For NDJSON, the schema of each line. */
  content?: Partial<Record<MediaType, z.core.$ZodType>>;
}

export interface Route {
  method: HttpMethod;
  /** API Gateway's (and OpenAPI's) path syntax: `{name}` for a parameter. */
  path: string;
  function: FunctionName;
  /**
   * How a request proves who sent it; absent, the function authenticates a caller (an OIDC
   * bearer token or a CredvendAWS signed identity). `aws_iam`: API Gateway verifies the
   * caller's SigV4 signature before the function runs. `slack-signature`: Slack's HMAC of
   * the body with the app's signing secret, checked by the function. `public`: nothing.
   */
  auth?: 'aws_iam' | 'slack-signature' | 'public';
  summary: string;
  query?: z.core.$ZodObject;
  body?: z.core.$ZodType;
  /** Successful answers. */
  responses: readonly ResponseContract[];
}

/** The vend routes, served under /v1 and again under /v1/iam behind API Gateway's IAM authorizer. */
const VEND_ROUTES: ReadonlyArray<Omit<Route, 'function'>> = [
  {
    method: 'POST',
    path: '/credentials',
    summary: 'Vend credentials for one entitlement',
    body: issuanceRequestWire,
    responses: [
      {
        status: 200,
        description: 'credentials in the requested format (env: shell export lines)',
        content: { 'application/json': issuedCredentialsWire, 'text/plain': z.string() },
      },
    ],
  },
  {
    method: 'POST',
    path: '/credentials/plan',
    summary: 'Dry run: what would be issued',
    body: issuanceRequestWire,
    responses: [{ status: 200, description: 'the plan', content: { 'application/json': planResponseWire } }],
  },
  {
    method: 'GET',
    path: '/me',
    summary: 'Who the caller is: principal, display name, and the auditor and admin roles it holds',
    responses: [{ status: 200, description: 'the caller', content: { 'application/json': callerWire } }],
  },
  {
    method: 'GET',
    path: '/entitlements/mine',
    summary: 'What this caller may assume',
    responses: [
      {
        status: 200,
        description: "the caller's entitlements",
        content: { 'application/json': myEntitlementsWire },
      },
    ],
  },
];

const STEP_SUMMARIES = {
  approve: 'Approve an access request (never your own)',
  deny: 'Deny an access request',
  cancel: 'Cancel your own pending request',
  revoke: 'End a grant early; sessions issued under it are revoked',
  review: 'Record the review of a break-glass grant',
} as const;

/** Decisions on the pending extension of a grant (POST /v1/access-requests/{id}/extend asks). */
export const EXTENSION_STEP_SUMMARIES = {
  approve: "Approve a grant's extension (never your own); the quorum met, the grant ends later",
  deny: "Deny a grant's extension; the grant ends when it did",
  cancel: 'Withdraw your own pending extension',
} as const;

const json = (description: string, schema: z.core.$ZodType, status: 200 | 201 = 200): ResponseContract => ({
  status,
  description,
  content: { 'application/json': schema },
});

/** Just-in-time access: one function serves requests, decisions, requestable access and Slack. */
const ACCESS_REQUEST_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/v1/access-requests',
    function: 'requests',
    summary: 'Requests: mine, to-approve, needs-review, grants',
    query: accessRequestListQueryWire,
    responses: [json('the newest 100 of the view', accessRequestListWire)],
  },
  {
    method: 'POST',
    path: '/v1/access-requests',
    function: 'requests',
    summary: 'Request access for a while, with a reason',
    body: accessRequestBodyWire,
    responses: [json('opened (active at once for break-glass and auto-approval)', accessRequestWire, 201)],
  },
  {
    method: 'GET',
    path: '/v1/access-requests/{id}',
    function: 'requests',
    summary: 'One access request',
    responses: [json('the request', accessRequestWire)],
  },
  ...Object.entries(STEP_SUMMARIES).map(([step, summary]) => ({
    method: 'POST' as const,
    path: `/v1/access-requests/{id}/${step}`,
    function: 'requests' as const,
    summary,
    body: decisionBodyWire,
    responses: [json('the request after the step', accessRequestWire)],
  })),
  {
    method: 'POST',
    path: '/v1/access-requests/{id}/extend',
    function: 'requests',
    summary: 'Ask to extend your grant in force, decided like a request, within the maximum from its start',
    body: extensionBodyWire,
    responses: [
      json(
        'the grant with its extension (approved at once under the auto-approval or on-call rule)',
        accessRequestWire,
      ),
    ],
  },
  ...Object.entries(EXTENSION_STEP_SUMMARIES).map(([step, summary]) => ({
    method: 'POST' as const,
    path: `/v1/access-requests/{id}/extension/${step}`,
    function: 'requests' as const,
    summary,
    body: decisionBodyWire,
    responses: [json('the grant after the step', accessRequestWire)],
  })),
  {
    method: 'GET',
    path: '/v1/requestables',
    function: 'requests',
    summary: 'Requestable access (admins: all)',
    responses: [json('what the caller may request (admins: all)', requestableListWire)],
  },
  {
    method: 'PUT',
    path: '/v1/requestables/{id}',
    function: 'requests',
    summary: 'Create or replace requestable access',
    body: requestableBodyWire,
    responses: [
      json('replaced; ETag is its version', requestableWire),
      json('created; ETag is its version', requestableWire, 201),
    ],
  },
  {
    method: 'DELETE',
    path: '/v1/requestables/{id}',
    function: 'requests',
    summary: 'Delete requestable access',
    responses: [{ status: 204, description: 'deleted' }],
  },
  {
    method: 'POST',
    path: '/v1/slack/interactions',
    function: 'requests',
    // The body is Slack's form-encoded payload, verified by its signature before it is read.
    auth: 'slack-signature',
    summary: "Slack's interactive payloads (signature verified)",
    responses: [json('the reply Slack shows the clicking user', slackReplyWire)],
  },
];

/** Access review campaigns: admins open and close; named reviewers (never an item's subject) decide. */
const REVIEW_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/v1/reviews',
    function: 'admin',
    summary: 'Reviews: admins see all, anyone else those naming them as a reviewer',
    query: reviewListQueryWire,
    responses: [json('the newest 100 in that state', reviewListWire)],
  },
  {
    method: 'POST',
    path: '/v1/reviews',
    function: 'admin',
    summary:
      'Open a review of the standing access in a scope (admins; a slice admin when every row in scope is its own)',
    body: openReviewBodyWire,
    responses: [json('opened', reviewWire, 201)],
  },
  {
    method: 'GET',
    path: '/v1/reviews/{id}',
    function: 'admin',
    summary:
      'A review: each item with its entitlement now, its evidence and its decision (admins, its reviewers)',
    responses: [json('the review', reviewDetailWire)],
  },
  {
    method: 'POST',
    path: '/v1/reviews/{id}/items/{entitlementId}',
    function: 'admin',
    summary:
      'Decide an item: keep, keep-until (ends then) or remove (at once); its reviewers only, never its subject. If-Match: the entitlement version read',
    body: reviewDecisionBodyWire,
    responses: [json('the item, decided and applied', reviewItemWire)],
  },
  {
    method: 'POST',
    path: '/v1/reviews/{id}/close',
    function: 'admin',
    summary: 'Close a review early: undecided items get its default now (admins)',
    responses: [json('the closed review', reviewWire)],
  },
];

/**
 * Every route of the HTTP API, the function serving it and its contract: the local server
 * routes by it, the package test checks serverless.yml's events against it, and the
 * OpenAPI document (openapi.ts) is generated from it and the wire schemas.
 */
export const ROUTES: readonly Route[] = [
  ...VEND_ROUTES.map((r) => ({ ...r, path: `/v1${r.path}`, function: 'vend' as const })),
  ...VEND_ROUTES.map((r) => ({
    ...r,
    path: `/v1/iam${r.path}`,
    function: 'vend' as const,
    auth: 'aws_iam' as const,
  })),
  {
    method: 'GET',
    path: '/healthz',
    function: 'vend',
    auth: 'public',
    summary: 'Liveness',
    responses: [json('alive', healthWire)],
  },
  {
    method: 'GET',
    path: '/openapi.json',
    function: 'audit',
    auth: 'public',
    summary: 'This document',
    responses: [json('the OpenAPI 3.1 document', z.record(z.string(), z.unknown()))],
  },
  {
    method: 'GET',
    path: '/v1/audit/events',
    function: 'audit',
    summary: 'Audit records by one filter, newest first',
    query: auditQueryWire,
    responses: [
      {
        status: 200,
        description:
          'one page (json), or the whole range as one record per line (ndjson); an ndjson line `{"error": …}` is a record that could not be read, or, last, the export failing part-way',
        content: {
          'application/json': auditPageWire,
          'application/x-ndjson': auditExportLineWire,
        },
      },
    ],
  },
  {
    method: 'GET',
    path: '/v1/audit/events/{id}',
    function: 'audit',
    summary: 'One audit record',
    responses: [json('the record', auditEventWire)],
  },
  {
    method: 'GET',
    path: '/v1/audit/events/{id}/activity',
    function: 'audit',
    summary: 'What the credentials of one issuance did (CloudTrail, by access key and SourceIdentity)',
    responses: [json('the calls, oldest first', activityWire)],
  },
  {
    method: 'GET',
    path: '/v1/audit/activity',
    function: 'audit',
    summary: 'What the credentials of an access key, or of every issuance under a grant, did',
    query: activityQueryWire,
    responses: [json('the calls, oldest first', activityWire)],
  },
  {
    method: 'GET',
    path: '/v1/audit/access-keys/{accessKeyId}',
    function: 'audit',
    summary: 'The issuance that produced an access key',
    responses: [json('the issuance', accessKeyIssuanceWire)],
  },
  {
    method: 'GET',
    path: '/v1/audit/verify',
    function: 'audit',
    summary: 'Verify the audit hash chains',
    query: verifyQueryWire,
    responses: [json('the verdict', verificationReportWire)],
  },
  {
    method: 'GET',
    path: '/v1/entitlements',
    function: 'admin',
    summary: 'List entitlements',
    query: entitlementListQueryWire,
    responses: [json('one page', adminEntitlementListWire)],
  },
  {
    method: 'GET',
    path: '/v1/entitlements/{id}',
    function: 'admin',
    summary: 'One entitlement',
    responses: [json('the entitlement; ETag is its version', adminEntitlementWire)],
  },
  {
    method: 'PUT',
    path: '/v1/entitlements/{id}',
    function: 'admin',
    summary: 'Create (no If-Match) or replace (If-Match) an entitlement',
    body: entitlementInputWire,
    responses: [json('replaced', entitlementPutResultWire), json('created', entitlementPutResultWire, 201)],
  },
  {
    method: 'DELETE',
    path: '/v1/entitlements/{id}',
    function: 'admin',
    summary: 'Delete an entitlement (If-Match required)',
    responses: [{ status: 204, description: 'deleted' }],
  },
  {
    method: 'GET',
    path: '/v1/entitlements/{id}/suggested-policy',
    function: 'admin',
    summary:
      "A narrower session policy from what the entitlement's sessions did (CloudTrail), checked by credvend's narrowing rule",
    query: suggestionQueryWire,
    responses: [json('the suggestion and whether it narrows the ceiling', policySuggestionWire)],
  },
  {
    method: 'GET',
    path: '/v1/subjects',
    function: 'admin',
    summary: 'Subjects (principals, groups, claim rules)',
    query: entitlementListQueryWire,
    responses: [json('one page of subjects', subjectListWire)],
  },
  {
    method: 'POST',
    path: '/v1/subjects/explain',
    function: 'admin',
    summary: 'Which rows a claim set matches, and why',
    body: explainRequestWire,
    responses: [json('the explanation', explanationWire)],
  },
  {
    method: 'POST',
    path: '/v1/audit/events/{id}/revoke',
    function: 'admin',
    summary: 'Revoke one issuance, by event id or access key id',
    responses: [json('the revocation, applied or to apply by hand', revocationResultWire)],
  },
  {
    method: 'GET',
    path: '/v1/reviews/unused',
    function: 'admin',
    summary: 'Standing access with no issuance in N days, with its evidence from the audit',
    query: unusedAccessQueryWire,
    responses: [json('the unused entitlements', unusedAccessWire)],
  },
  {
    method: 'GET',
    path: '/v1/admin/scope',
    function: 'admin',
    summary: 'What the caller administers: everything (admin role) or the bounds of its admin slices',
    responses: [json('the scope', adminScopeWire)],
  },
  {
    method: 'GET',
    path: '/v1/reviews/evidence',
    function: 'admin',
    summary: 'Every standing entitlement with its evidence: use, callers, who added it',
    query: unusedAccessQueryWire,
    responses: [json('the entitlements and their evidence', unusedAccessWire)],
  },
  ...REVIEW_ROUTES,
  ...ACCESS_REQUEST_ROUTES,
  {
    method: 'GET',
    path: '/',
    function: 'portal',
    // The page and its assets hold no data: the browser signs in with the IdP, then calls the API.
    auth: 'public',
    summary: 'The web portal (HTML)',
    responses: [{ status: 200, description: 'the page', content: { 'text/html': z.string() } }],
  },
  {
    method: 'GET',
    path: '/assets/{name}',
    function: 'portal',
    auth: 'public',
    summary: "The portal's hashed assets",
    responses: [
      {
        status: 200,
        description: 'the script or the style sheet, cached for a year',
        content: { 'text/javascript': z.string(), 'text/css': z.string() },
      },
    ],
  },
];

/** `/v1/entitlements/{id}` → `/v1/entitlements/:id`, Hono's syntax. */
export function honoPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}
