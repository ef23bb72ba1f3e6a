import type { PrivilegedAccess } from '../identity/privileged-access.js';
import {
  applicableEntitlements,
  isActive,
  resolveEntitlement,
  roleNameOf,
} from '../issuance/entitlements.js';
import type { EntitlementStore } from '../issuance/ports.js';
import { InvalidRequestError, NotEntitledError } from '../shared/errors.js';
import type { Caller, Entitlement, RequestContext } from '../shared/types.js';
import { type ConditionResult, evaluateConditions } from './claim-rules.js';
import type { MatchableCaller } from './match.js';
import { claimSubjectKeys, oidcSubject, type SubjectKind, subjectKindOf } from './subjects.js';
import { checkedGroups } from './token-claims.js';

/** An accepted issuer as far as subjects care: its groups claim. */
export interface IssuerSubjects {
  issuer: string;
  groupsClaim?: string;
}

export interface ExplainedRow {
  entitlementId: string;
  subjectKind: SubjectKind;
  effect: Entitlement['effect'];
  accountId: string;
  roleName: string;
  active: boolean;
  matched: boolean;
  why?: string;
  /** Claim rules only: every condition, with the pattern (an admin may see it) and the outcome. */
  conditions?: ConditionResult[];
}

/** Per account and role: the entitlement issuance would use, or the deny that wins. */
export interface ExplainedGrant {
  accountId: string;
  roleName: string;
  entitlementId?: string;
  subjectKind?: SubjectKind;
  deniedBy?: string;
}

export interface Explanation {
  subjectKeys: string[];
  rows: ExplainedRow[];
  grants: ExplainedGrant[];
}

export interface SubjectExplainerDependencies {
  store: EntitlementStore;
  access: PrivilegedAccess;
  issuers: readonly IssuerSubjects[];
  now: () => Date;
}

/**
 * `credvend subjects explain`: for a claim set an admin supplies (say, a decoded CI token),
 * the rows issuance would read, whether each matched and why, and what would be granted.
 * It runs the same lookup and the same matching as issuance; nothing is issued.
 */
export class SubjectExplainer {
  constructor(private readonly deps: SubjectExplainerDependencies) {}

  async explain(
    caller: Caller,
    issuer: string,
    claims: Readonly<Record<string, unknown>>,
    context: RequestContext,
  ): Promise<Explanation> {
    await this.deps.access.require(caller, 'admin', 'entitlement.read', context);
    const settings = this.deps.issuers.find((i) => i.issuer === issuer);
    if (!settings) throw new InvalidRequestError(`issuer ${issuer} is not accepted by this deployment`);
    const sub = claims.sub;
    if (typeof sub !== 'string' || sub.length === 0)
      throw new InvalidRequestError('claims need a string sub');
    let groups: string[];
    try {
      groups = checkedGroups(`${issuer}#${sub}`, claims, settings.groupsClaim);
    } catch (error) {
      throw new InvalidRequestError(error instanceof Error ? error.message : 'claims refused');
    }
    const subjectKeys = [oidcSubject(issuer, sub), ...claimSubjectKeys(issuer, groups)];
    // Who these claims would be: only what matching reads, never the admin asking.
    const probe: MatchableCaller = { subjectKeys, claims };
    const rows = await this.deps.store.listForSubjects(subjectKeys);
    const now = this.deps.now();
    const matches = new Map(applicableEntitlements(probe, rows).map((m) => [m.entitlement.id, m.match]));
    return {
      subjectKeys,
      rows: rows.map((e) => explainRow(e, matches.get(e.id)?.why, claims, now)),
      grants: grantsOf(probe, rows, now),
    };
  }
}

function explainRow(
  e: Entitlement,
  why: string | undefined,
  claims: Readonly<Record<string, unknown>>,
  now: Date,
): ExplainedRow {
  const row: ExplainedRow = {
    entitlementId: e.id,
    subjectKind: subjectKindOf(e.subject),
    effect: e.effect,
    accountId: e.accountId,
    roleName: roleNameOf(e.roleArn),
    active: isActive(e, now),
    matched: why !== undefined,
  };
  if (why !== undefined) row.why = why;
  if (e.claimConditions) row.conditions = evaluateConditions(e.claimConditions, claims);
  return row;
}

/** What issuance would decide for each account and role a matched row names: the same decision. */
function grantsOf(probe: MatchableCaller, rows: readonly Entitlement[], now: Date): ExplainedGrant[] {
  const targets = new Map<string, { accountId: string; roleName: string }>();
  for (const { entitlement } of applicableEntitlements(probe, rows, now)) {
    const roleName = roleNameOf(entitlement.roleArn);
    targets.set(`${entitlement.accountId}/${roleName.toLowerCase()}`, {
      accountId: entitlement.accountId,
      roleName,
    });
  }
  return [...targets.values()].map((target) => {
    try {
      const { entitlement, match } = resolveEntitlement(probe, rows, target, now);
      return { ...target, entitlementId: entitlement.id, subjectKind: match.kind };
    } catch (error) {
      if (!(error instanceof NotEntitledError)) throw error;
      return { ...target, deniedBy: error.message };
    }
  });
}
