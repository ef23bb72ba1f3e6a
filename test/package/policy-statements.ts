export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: unknown;
}

/** Every statement of every policy document anywhere under `node` (roles, inline policies, bucket policies). */
export function policyStatements(node: unknown): PolicyStatement[] {
  if (Array.isArray(node)) return node.flatMap(policyStatements);
  if (!node || typeof node !== 'object') return [];
  const found: PolicyStatement[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (
      (key === 'PolicyDocument' || key === 'AssumeRolePolicyDocument') &&
      value &&
      typeof value === 'object'
    ) {
      found.push(...[(value as { Statement: PolicyStatement | PolicyStatement[] }).Statement].flat());
    } else {
      found.push(...policyStatements(value));
    }
  }
  return found;
}

export const actionsOf = (statement: PolicyStatement): string[] => [statement.Action ?? []].flat();
