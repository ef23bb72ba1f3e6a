import { runSimulation, runUnsafeSimulation } from '@cloud-copilot/iam-simulate';

/**
 * The independent judge: @cloud-copilot/iam-simulate, an IAM evaluator credvend's authors
 * did not write. Only its decision is used, never credvend's own matching code.
 */

export interface ConcreteRequest {
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
  principal?: string;
}

const ACCOUNT = '222222222222';
const SESSION_PRINCIPAL = `arn:aws:sts::${ACCOUNT}:assumed-role/credvend-target/session`;
const ROLE_PERMISSIONS = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};

/**
 * Whether a role session whose session policies are `sessionPolicies` may make `request`.
 * The role itself is given every permission, so the answer is the session policies' own:
 * an Allow in any of them allows, a Deny in any denies (how AWS combines an inline session
 * policy with managed session policies). The simulator's own `sessionPolicy` input takes
 * one document, so the documents are passed as the session's identity policies, which the
 * simulator combines exactly that way. With no session policies, the role's permissions.
 */
export function sessionAllows(sessionPolicies: readonly object[], request: ConcreteRequest): boolean {
  const policies = sessionPolicies.length > 0 ? sessionPolicies : [ROLE_PERMISSIONS];
  const result = runUnsafeSimulation(
    {
      request: {
        principal: request.principal ?? SESSION_PRINCIPAL,
        action: request.action,
        resource: { resource: request.resource, accountId: ACCOUNT },
        contextVariables: request.context,
      },
      identityPolicies: policies.map((policy, n) => ({ name: `session-${n}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  return String(result) === 'Allowed';
}

/**
 * Whether a resource policy (a role trust policy, say) lets `request.principal` make the
 * request; the caller's own account is taken to allow it, so the answer is the resource
 * policy's. Uses the simulator's validating entry point, which also checks the policy and
 * the context keys: an invalid input is an error, never an Allow.
 */
export async function resourcePolicyAllows(
  resourcePolicy: object,
  request: ConcreteRequest & { principal: string },
): Promise<boolean> {
  const result = await runSimulation(
    {
      request: {
        principal: request.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: ACCOUNT },
        contextVariables: request.context,
      },
      identityPolicies: [{ name: 'caller', policy: ROLE_PERMISSIONS }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy,
    },
    {},
  );
  return 'overallResult' in result && result.overallResult === 'Allowed';
}
