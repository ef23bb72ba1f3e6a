import { runSimulation } from '@cloud-copilot/iam-simulate';
import { ACCOUNT } from './instantiate.js';

/** A KMS key policy that lets the account's IAM decide (AWS's default key policy). */
export const KEY_POLICY_DEFERRING_TO_IAM = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
  ],
};

/**
 * Whether a session of a function role with these policies may make the call, judged by the
 * IAM simulator. A KMS call needs the key's policy as well: pass it as `resourcePolicy`.
 */
export async function roleSessionAllows(
  policies: readonly object[],
  call: { action: string; resource: string; context?: Record<string, string>; resourcePolicy?: object },
): Promise<boolean> {
  const result = await runSimulation(
    {
      request: {
        principal: `arn:aws:sts::${ACCOUNT}:assumed-role/credvend-test-fn/session`,
        action: call.action,
        resource: { resource: call.resource, accountId: ACCOUNT },
        contextVariables: call.context ?? {},
      },
      identityPolicies: policies.map((policy, n) => ({ name: `role-${n}`, policy })),
      ...(call.resourcePolicy ? { resourcePolicy: call.resourcePolicy } : {}),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType !== 'single') throw new Error(`simulation: ${JSON.stringify(result)}`);
  return result.overallResult === 'Allowed';
}
