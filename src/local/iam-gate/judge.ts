import { type RequestAnalysis, runSimulation } from '@cloud-copilot/iam-simulate';
import type { NamedPolicy, PolicyDocument } from './policy-store.js';

/**
 * One IAM decision by @cloud-copilot/iam-simulate, an evaluator nobody here wrote. The gate
 * only gathers its inputs (policies, context keys) and reads its verdict.
 */
export interface Judgement {
  /** The ARN the request is made as (a session's assumed-role ARN), or a service principal. */
  principal: string;
  principalAccount: string;
  action: string;
  resource: string;
  resourceAccount: string;
  context: Record<string, string | string[]>;
  identityPolicies: NamedPolicy[];
  boundary?: NamedPolicy;
  /** Each session policy is judged on its own; the request is allowed only if every one allows. */
  sessionPolicies: PolicyDocument[];
  resourcePolicy?: PolicyDocument;
}

export type Verdict = { allowed: true } | { allowed: false; explicit: boolean; reason: string };

const deniedBy = (analysis: { denyStatements: unknown[] } | undefined) =>
  (analysis?.denyStatements.length ?? 0) > 0;

/** AWS's wording of why: "with an explicit deny in …" or "because no … allows the … action". */
function reasonOf(analysis: RequestAnalysis, action: string): { explicit: boolean; reason: string } {
  const explicit: Array<[boolean, string]> = [
    [deniedBy(analysis.sessionAnalysis), 'a session policy'],
    [deniedBy(analysis.identityAnalysis), 'an identity-based policy'],
    [deniedBy(analysis.permissionBoundaryAnalysis), 'a permissions boundary'],
    [deniedBy(analysis.resourceAnalysis), 'a resource-based policy'],
  ];
  const hit = explicit.find(([denied]) => denied);
  if (hit) return { explicit: true, reason: `with an explicit deny in ${hit[1]}` };
  const implicit: Array<[string | undefined, string]> = [
    [analysis.sessionAnalysis?.result, 'session policy'],
    [analysis.permissionBoundaryAnalysis?.result, 'permissions boundary'],
    [analysis.identityAnalysis?.result, 'identity-based policy'],
  ];
  const missing = implicit.find(([result]) => result !== undefined && result !== 'Allowed');
  const what = missing?.[1] ?? 'resource-based policy';
  return { explicit: false, reason: `because no ${what} allows the ${action} action` };
}

async function once(input: Judgement, sessionPolicy: PolicyDocument | undefined): Promise<Verdict> {
  const result = await runSimulation(
    {
      request: {
        principal: input.principal,
        action: input.action,
        resource: { resource: input.resource, accountId: input.resourceAccount },
        contextVariables: input.context,
      },
      identityPolicies: input.identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(sessionPolicy ? { sessionPolicy } : {}),
      ...(input.boundary ? { permissionBoundaryPolicies: [input.boundary] } : {}),
      ...(input.resourcePolicy ? { resourcePolicy: input.resourcePolicy } : {}),
    },
    {},
  );
  if (result.resultType === 'error') {
    // An input the simulator cannot judge is a refusal, never an Allow; the message says why.
    return {
      allowed: false,
      explicit: false,
      reason: `because the IAM simulator could not judge it: ${result.errors.message}`,
    };
  }
  if (result.overallResult === 'Allowed') return { allowed: true };
  const analysis = result.resultType === 'single' ? result.result.analysis : result.results[0]?.analysis;
  return analysis
    ? { allowed: false, ...reasonOf(analysis, input.action) }
    : { allowed: false, explicit: false, reason: `because no policy allows the ${input.action} action` };
}

/** Allowed only if the request is allowed under every one of the session's policies (or none). */
export async function judge(input: Judgement): Promise<Verdict> {
  const sessionPolicies: Array<PolicyDocument | undefined> =
    input.sessionPolicies.length > 0 ? input.sessionPolicies : [undefined];
  for (const sessionPolicy of sessionPolicies) {
    const verdict = await once(input, sessionPolicy);
    if (!verdict.allowed) return verdict;
  }
  return { allowed: true };
}
