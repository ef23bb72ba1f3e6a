/** The Lambda functions; each serves the routes below that name it. */
export type FunctionName = 'vend' | 'audit' | 'admin';
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
];

/** `/v1/entitlements/{id}` → `/v1/entitlements/:id`, Hono's syntax. */
export function honoPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}
