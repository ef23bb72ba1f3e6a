import type { Audience } from '../access-requests/types.js';
import { canonicalJson } from '../audit/chain.js';
import type { PolicyDocument } from '../policy/document.js';
import type { Entitlement } from '../shared/types.js';

/** 3600 → `1h`, 5400 → `1h30m`, 90 → `1m30s`: how a reviewer reads a session length. */
export function durationWords(seconds: number): string {
  const parts: string[] = [];
  const units: Array<[number, string]> = [
    [86_400, 'd'],
    [3600, 'h'],
    [60, 'm'],
    [1, 's'],
  ];
  let rest = seconds;
  for (const [size, unit] of units) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.length > 0 ? parts.join('') : '0s';
}

/** The name of a role from its ARN (path dropped). */
export function roleNameOf(roleArn: string): string {
  return roleArn.slice(roleArn.lastIndexOf('/') + 1);
}

/** An entitlement's subject in words: who the row is for. */
export function subjectWords(e: Pick<Entitlement, 'subject' | 'claimConditions'>): string {
  const [kind, issuer = '', ...rest] = e.subject.split('|');
  const tail = rest.join('|');
  switch (kind) {
    case 'group':
      return `group ${tail} at ${issuer}`;
    case 'claims': {
      const conditions = Object.entries(e.claimConditions ?? {})
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([claim, value]) => `${claim}=${value}`);
      return `claim rule at ${issuer} where ${conditions.join(', ')}`;
    }
    case 'oidc':
      return `principal ${tail} at ${issuer}`;
    case 'aws': {
      const arn = [issuer, ...rest].join('|');
      const root = /^arn:aws[\w-]*:iam::(\d{12}):root$/.exec(arn);
      return root ? `every principal of AWS account ${root[1]}` : `AWS principal ${arn}`;
    }
    default:
      return e.subject;
  }
}

function actionsOf(policy: PolicyDocument): string[] {
  const statements = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
  const actions = new Set<string>();
  for (const statement of statements) {
    const listed = 'Action' in statement ? statement.Action : undefined;
    const all = listed === undefined ? [] : Array.isArray(listed) ? listed : [listed];
    for (const action of all) if (typeof action === 'string') actions.add(action);
  }
  return [...actions];
}

/** The permission ceiling in words: what a session may do at most. */
export function ceilingWords(row: {
  sessionPolicy?: PolicyDocument | undefined;
  managedPolicyArns: readonly string[];
}): string {
  const parts: string[] = [];
  if (row.sessionPolicy) {
    const actions = actionsOf(row.sessionPolicy);
    const shown = actions.slice(0, 4).join(', ');
    const more = actions.length > 4 ? ` (+${actions.length - 4} more)` : '';
    parts.push(`session policy allowing ${shown || 'no listed action'}${more}`);
  }
  if (row.managedPolicyArns.length > 0) {
    parts.push(
      `managed policies ${row.managedPolicyArns.map((arn) => arn.slice(arn.indexOf('/') + 1)).join(', ')}`,
    );
  }
  return parts.length > 0 ? parts.join(' and ') : "the role's own permissions";
}

/** An audience in words: `groups a, b; principals x`. */
export function audienceWords(a: Audience): string {
  const parts = [
    ...(a.groups.length > 0 ? [`groups ${a.groups.join(', ')}`] : []),
    ...(a.principals.length > 0 ? [`principals ${a.principals.join(', ')}`] : []),
  ];
  return parts.length > 0 ? parts.join('; ') : 'nobody';
}

/** A value as a difference line shows it: short, one line. */
export function valueWords(value: unknown): string {
  if (value === undefined) return '(none)';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return value;
  return canonicalJson(value);
}
