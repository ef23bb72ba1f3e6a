/** The Lambda functions; each serves the routes below that name it. */
export type FunctionName = 'vend' | 'audit' | 'admin' | 'requests' | 'portal';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface Route {
  method: HttpMethod;
  /** API Gateway's (and OpenAPI's) path syntax: `{name}` for a parameter. */
  path: string;
  function: FunctionName;
  /** `aws_iam`: API Gateway verifies the caller's SigV4 signature before the function runs. */
  authorizer?: 'aws_iam';
  summary: string;
}

/** The vend routes, served under /v1 and again under /v1/iam behind API Gateway's IAM authorizer. */
const VEND_ROUTES: ReadonlyArray<Omit<Route, 'function'>> = [
  { method: 'POST', path: '/credentials', summary: 'Vend credentials for one entitlement' },
  { method: 'POST', path: '/credentials/plan', summary: 'Dry run: what would be issued' },
  { method: 'GET', path: '/entitlements/mine', summary: 'What this caller may assume' },
];

const STEP_SUMMARIES = {
  approve: 'Approve an access request (never your own)',
  deny: 'Deny an access request',
  cancel: 'Cancel your own pending request',
  revoke: 'End a grant early; sessions issued under it are revoked',
  review: 'Record the review of a break-glass grant',
} as const;

/** Just-in-time access: one function serves requests, decisions, requestable access and Slack. */
const ACCESS_REQUEST_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/v1/access-requests',
    function: 'requests',
    summary: 'Requests: mine, to-approve, needs-review, grants',
  },
  {
    method: 'POST',
    path: '/v1/access-requests',
    function: 'requests',
    summary: 'Request access for a while, with a reason',
  },
  { method: 'GET', path: '/v1/access-requests/{id}', function: 'requests', summary: 'One access request' },
  ...Object.entries(STEP_SUMMARIES).map(([step, summary]) => ({
    method: 'POST' as const,
    path: `/v1/access-requests/{id}/${step}`,
    function: 'requests' as const,
    summary,
  })),
  {
    method: 'GET',
    path: '/v1/requestables',
    function: 'requests',
    summary: 'Requestable access (admins: all)',
  },
  {
    method: 'PUT',
    path: '/v1/requestables/{id}',
    function: 'requests',
    summary: 'Create or replace requestable access',
  },
  {
    method: 'DELETE',
    path: '/v1/requestables/{id}',
    function: 'requests',
    summary: 'Delete requestable access',
  },
  {
    method: 'POST',
    path: '/v1/slack/interactions',
    function: 'requests',
    summary: "Slack's interactive payloads (signature verified)",
  },
];

/**
 * Every route of the HTTP API and the function serving it: the local server routes by it,
 * the package test checks serverless.yml's events against it, and it is the OpenAPI
 * document's list of operations.
 */
export const ROUTES: readonly Route[] = [
  ...VEND_ROUTES.map((r) => ({ ...r, path: `/v1${r.path}`, function: 'vend' as const })),
  ...VEND_ROUTES.map((r) => ({
    ...r,
    path: `/v1/iam${r.path}`,
    function: 'vend' as const,
    authorizer: 'aws_iam' as const,
  })),
  { method: 'GET', path: '/healthz', function: 'vend', summary: 'Liveness' },
  { method: 'GET', path: '/v1/audit/events', function: 'audit', summary: 'Audit records by one filter' },
  { method: 'GET', path: '/v1/audit/events/{id}', function: 'audit', summary: 'One audit record' },
  {
    method: 'GET',
    path: '/v1/audit/access-keys/{accessKeyId}',
    function: 'audit',
    summary: 'The issuance that produced an access key',
  },
  { method: 'GET', path: '/v1/audit/verify', function: 'audit', summary: 'Verify the audit hash chains' },
  { method: 'GET', path: '/v1/entitlements', function: 'admin', summary: 'List entitlements' },
  { method: 'GET', path: '/v1/entitlements/{id}', function: 'admin', summary: 'One entitlement' },
  {
    method: 'PUT',
    path: '/v1/entitlements/{id}',
    function: 'admin',
    summary: 'Create or replace an entitlement',
  },
  { method: 'DELETE', path: '/v1/entitlements/{id}', function: 'admin', summary: 'Delete an entitlement' },
  {
    method: 'GET',
    path: '/v1/subjects',
    function: 'admin',
    summary: 'Subjects (principals, groups, claim rules)',
  },
  {
    method: 'POST',
    path: '/v1/subjects/explain',
    function: 'admin',
    summary: 'Which rows a claim set matches, and why',
  },
  {
    method: 'POST',
    path: '/v1/audit/events/{id}/revoke',
    function: 'admin',
    summary: 'Revoke one issuance',
  },
  ...ACCESS_REQUEST_ROUTES,
  { method: 'GET', path: '/', function: 'portal', summary: 'The web portal (HTML)' },
  { method: 'GET', path: '/assets/{name}', function: 'portal', summary: "The portal's hashed assets" },
];

/** `/v1/entitlements/{id}` → `/v1/entitlements/:id`, Hono's syntax. */
export function honoPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}
