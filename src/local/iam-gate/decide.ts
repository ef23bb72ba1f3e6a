import { globalContext, type Organization } from './context.js';
import { type DecisionCache, decisionKey } from './decision-cache.js';
import { judge, type Verdict } from './judge.js';
import type { Authorisation } from './operations.js';
import type { NamedPolicy, PolicyDocument, PolicySource } from './policy-store.js';
import { type Principal, principalArn } from './principals.js';

/** What binds a principal: its identity policies, its boundary, and (a session) its session policies. */
interface Bindings {
  identityPolicies: NamedPolicy[];
  boundary?: NamedPolicy;
  sessionPolicies: PolicyDocument[];
}

async function boundaryOf(store: PolicySource, account: string, arn: string | undefined) {
  return arn ? { boundary: { name: arn, policy: await store.managedPolicy(account, arn) } } : {};
}

async function bindingsOf(store: PolicySource, principal: Principal): Promise<Bindings> {
  switch (principal.kind) {
    case 'root':
    case 'service':
      return { identityPolicies: [], sessionPolicies: [] };
    case 'user': {
      const user = await store.user(principal.account, principal.userName);
      return {
        identityPolicies: user.policies,
        ...(await boundaryOf(store, principal.account, user.boundaryArn)),
        sessionPolicies: [],
      };
    }
    case 'session': {
      const role = await store.role(principal.account, principal.roleName);
      const managed = await Promise.all(
        principal.policyArns.map((arn) => store.managedPolicy(principal.account, arn)),
      );
      return {
        identityPolicies: role?.policies ?? [],
        ...(await boundaryOf(store, principal.account, role?.boundaryArn)),
        sessionPolicies: [...(principal.inlinePolicy ? [{ ...principal.inlinePolicy }] : []), ...managed],
      };
    }
  }
}

const arnAccount = (arn: string) => /^arn:aws[\w-]*:[\w-]+:[\w-]*:(\d{12}):/.exec(arn)?.[1];

/** The resource's own policy, where the service has one: a role's trust policy, a key policy, a bucket policy. */
async function resourcePolicyOf(store: PolicySource, authorisation: Authorisation, account: string) {
  const { action, resource } = authorisation;
  const role = /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(resource);
  if (action.startsWith('sts:') && role) {
    const facts = await store.role(role[1] ?? account, role[2] ?? '');
    // A role that does not exist trusts nobody.
    return facts ? facts.trustPolicy : { Version: '2012-10-17', Statement: [] };
  }
  const key = /^arn:aws[\w-]*:kms:[\w-]+:(\d{12}):key\/(.+)$/.exec(resource);
  if (action.startsWith('kms:') && key) return store.keyPolicy(key[1] ?? account, key[2] ?? '');
  const bucket = /^arn:aws[\w-]*:s3:::([^/]+)/.exec(resource);
  if (action.startsWith('s3:') && bucket) return store.bucketPolicy(bucket[1] ?? '');
  return undefined;
}

/**
 * Judges every authorisation a request needs; the first refusal wins. An account's root is
 * bound by no IAM policy (SCPs are not modelled), so it is always allowed.
 */
export async function decide(input: {
  store: PolicySource;
  principal: Principal;
  authorisations: Authorisation[];
  region: string;
  organization?: Organization;
  now: Date;
  /** Decisions already made; without one, every authorisation is judged afresh. */
  cache?: DecisionCache;
}): Promise<{ verdict: Verdict; authorisation?: Authorisation }> {
  const { store, principal, cache } = input;
  if (principal.kind === 'root') return { verdict: { allowed: true } };
  const generation = cache?.current() ?? 0;
  const bindings = await bindingsOf(store, principal);
  for (const authorisation of input.authorisations) {
    const resourceAccount =
      authorisation.resourceAccount ?? arnAccount(authorisation.resource) ?? principal.account;
    const resourcePolicy = await resourcePolicyOf(store, authorisation, resourceAccount);
    const judgement = {
      principal: principalArn(principal),
      principalAccount: principal.account,
      action: authorisation.action,
      resource: authorisation.resource,
      resourceAccount,
      context: {
        ...globalContext({
          principal,
          region: input.region,
          resourceAccount,
          ...(input.organization ? { organization: input.organization } : {}),
          now: input.now,
        }),
        ...authorisation.context,
      },
      ...bindings,
      ...(resourcePolicy ? { resourcePolicy } : {}),
    };
    const key = cache
      ? decisionKey({
          ...judgement,
          policies: [
            ...bindings.identityPolicies.map((p) => p.policy),
            ...(bindings.boundary ? [bindings.boundary.policy] : []),
            ...bindings.sessionPolicies,
            ...(resourcePolicy ? [resourcePolicy] : []),
          ],
        })
      : '';
    let verdict = cache?.recall(principal, key);
    if (!verdict) {
      verdict = await judge(judgement);
      cache?.remember(principal, key, verdict, generation);
    }
    if (!verdict.allowed) return { verdict, authorisation };
  }
  return { verdict: { allowed: true } };
}
