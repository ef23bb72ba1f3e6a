import { withinScope } from '../admin/admin-scope.js';
import { validateEntitlement } from '../admin/entitlement-validation.js';
import { adminChangeEvent } from '../audit/admin-change.js';
import type { AuditAction } from '../audit/audit.js';
import type { TransactionalAuditLog } from '../audit/ports.js';
import { identitiesOfListed } from '../identity/principal-names.js';
import type { PrivilegedAccess } from '../identity/privileged-access.js';
import type { AdminScope } from '../identity/roles.js';
import { STS_LIMITS } from '../issuance/sts-limits.js';
import type { Clock } from '../shared/clock.js';
import { type InputIssue, InvalidRequestError } from '../shared/errors.js';
import { checkIfMatch } from '../shared/if-match.js';
import { sameContent } from '../shared/same-content.js';
import type { Caller, Entitlement, RequestContext } from '../shared/types.js';
import { type AudienceRules, inAudience, MIN_GRANT_SECONDS, resolveAudience } from './lifecycle.js';
import type { RequestableStore } from './ports.js';
import { ticketPatternProblem } from './ticket-pattern.js';
import type { Audience, Requestable } from './types.js';

/** Break-glass is for emergencies: its grants are short, whatever an admin writes. */
const BREAK_GLASS_MAX_GRANT_SECONDS = 4 * 3600;
/** A grant longer than a week is a standing entitlement and should be written as one. */
const MAX_GRANT_SECONDS = 7 * 86_400;

export type RequestableInput = Omit<Requestable, 'version'>;

/** Each named person must stand for exactly one identity key, by the rule authentication uses. */
function audienceIssues(path: string, audience: Audience, rules: AudienceRules): InputIssue[] {
  return identitiesOfListed(audience.principals, rules.identity).problems.map((message) => ({
    path: `${path}.principals`,
    message,
  }));
}

/** Every rule a requestable breaks, not only the first. */
export function validateRequestable(r: Requestable, rules: AudienceRules): InputIssue[] {
  const issues: InputIssue[] = [
    ...audienceIssues('requesters', r.requesters, rules),
    ...audienceIssues('approvers', r.approvers, rules),
    ...(r.autoApproval ? audienceIssues('autoApproval.requesters', r.autoApproval.requesters, rules) : []),
    ...(r.escalation ? audienceIssues('escalation.approvers', r.escalation.approvers, rules) : []),
    ...followUpIssues(r),
  ];
  const issue = (path: string, message: string) => issues.push({ path, message });
  const distinctApprovers = new Set(identitiesOfListed(r.approvers.principals, rules.identity).keys).size;
  // A grant is an entitlement: whatever would refuse it at issuance refuses the requestable now.
  issues.push(...grantIssues(r));
  if (r.maxGrantSeconds < MIN_GRANT_SECONDS || r.maxGrantSeconds > MAX_GRANT_SECONDS) {
    issue('maxGrantSeconds', `from ${MIN_GRANT_SECONDS} to ${MAX_GRANT_SECONDS}`);
  }
  if (r.breakGlass && r.maxGrantSeconds > BREAK_GLASS_MAX_GRANT_SECONDS) {
    issue('maxGrantSeconds', `break-glass grants last at most ${BREAK_GLASS_MAX_GRANT_SECONDS} s`);
  }
  if (r.breakGlass && r.autoApproval) issue('autoApproval', 'break-glass needs no approval rule');
  if (r.breakGlass && r.onCall) issue('onCall', 'break-glass needs no approval rule');
  if (r.approvers.principals.length + r.approvers.groups.length === 0) {
    issue('approvers', 'name at least one approver (break-glass grants are reviewed by them)');
  }
  if (r.quorum > distinctApprovers && r.approvers.groups.length === 0) {
    issue('quorum', 'more approvals than distinct named approvers');
  }
  if (r.autoApproval && r.autoApproval.maxGrantSeconds > r.maxGrantSeconds) {
    issue('autoApproval.maxGrantSeconds', 'at most maxGrantSeconds');
  }
  if (r.ticketPattern !== undefined) {
    const problem = ticketPatternProblem(r.ticketPattern);
    if (problem) issue('ticketPattern', problem);
  }
  return issues;
}

/** Follow-ups come before the answer deadline (reminder first) and before a grant ends. */
function followUpIssues(r: Requestable): InputIssue[] {
  const issues: InputIssue[] = [];
  const remind = r.remindAfterSeconds;
  const escalate = r.escalation?.afterSeconds;
  if (remind !== undefined && (remind < 60 || remind >= r.answerWithinSeconds)) {
    issues.push({ path: 'remindAfterSeconds', message: 'from 60 s to less than answerWithinSeconds' });
  }
  if (escalate !== undefined && (escalate < 60 || escalate >= r.answerWithinSeconds)) {
    issues.push({ path: 'escalation.afterSeconds', message: 'from 60 s to less than answerWithinSeconds' });
  }
  if (remind !== undefined && escalate !== undefined && escalate <= remind) {
    issues.push({ path: 'escalation.afterSeconds', message: 'after the reminder (remindAfterSeconds)' });
  }
  if (r.escalation && r.escalation.approvers.principals.length + r.escalation.approvers.groups.length === 0) {
    issues.push({ path: 'escalation.approvers', message: 'name at least one approver to escalate to' });
  }
  const ending = r.endingNoticeSeconds;
  if (ending !== undefined && (ending < 60 || ending >= r.maxGrantSeconds)) {
    issues.push({ path: 'endingNoticeSeconds', message: 'from 60 s to less than maxGrantSeconds' });
  }
  return issues;
}

/** Where an entitlement's field is a requestable's: the grant's session length is maxSessionSeconds. */
const REQUESTABLE_PATH: Record<string, string> = { maxDurationSeconds: 'maxSessionSeconds' };

/**
 * The rules of entitlements (validateEntitlement) applied to the grant this requestable
 * writes, with one tag fewer: every grant session also carries credvend-grant.
 */
function grantIssues(r: Requestable): InputIssue[] {
  const grant: Entitlement = {
    id: `grant-of-${r.id}`,
    subject: 'oidc|https://requester.invalid|validation',
    accountId: r.accountId,
    roleArn: r.roleArn,
    maxDurationSeconds: r.maxSessionSeconds,
    managedPolicyArns: [...r.managedPolicyArns],
    tags: { ...r.tags },
    claimTags: {},
    transitiveTagKeys: [],
    reasonRequired: false,
    effect: 'allow',
    version: 1,
  };
  if (r.sessionPolicy) grant.sessionPolicy = r.sessionPolicy;
  if (r.externalId !== undefined) grant.externalId = r.externalId;
  const issues = validateEntitlement(grant).map((i) => ({
    ...i,
    path: REQUESTABLE_PATH[i.path] ?? i.path,
  }));
  if (Object.keys(r.tags).length >= STS_LIMITS.maxSessionTags - 1) {
    issues.push({
      path: 'tags',
      message: `at most ${STS_LIMITS.maxSessionTags - 2} session tags (credvend-caller and credvend-grant are the last two)`,
    });
  }
  return issues;
}

/** Admin side of requestable access; every change lands in one transaction with its audit record. */
export class RequestableAdmin {
  constructor(
    private readonly deps: {
      store: RequestableStore;
      audit: TransactionalAuditLog;
      access: PrivilegedAccess;
      clock: Clock;
      newEventId: (now: Date) => string;
      rules: AudienceRules;
    },
  ) {}

  /**
   * Admins see every requestable, a slice admin its slice's; anyone else sees what they may
   * request. `scope` is the caller's admin scope for reading (roles.ts: adminScopeOf).
   */
  async list(caller: Caller, scope: AdminScope | undefined): Promise<Requestable[]> {
    const all = await this.deps.store.list();
    if (scope) return withinScope(scope, all);
    // Group keys among the caller's subject keys come from its own issuer's verified claim.
    const me = { identity: caller.identityKey, groups: caller.subjectKeys };
    return all.filter((r) => inAudience(me, resolveAudience(r.requesters, this.deps.rules)));
  }

  /**
   * Refuses (and audits) a caller who is neither an admin nor a slice admin: routes call it
   * before they read the id or the body, so a non-admin learns nothing about what a valid
   * write would be. Which rows a slice admin may write is judged by put and delete.
   */
  async requireAdmin(
    caller: Caller,
    action: 'requestable.put' | 'requestable.delete',
    context: RequestContext,
  ): Promise<void> {
    await this.deps.access.requireAdminScope(caller, 'write', action, context);
  }

  async put(
    caller: Caller,
    input: RequestableInput,
    ifMatchVersion: number | undefined,
    context: RequestContext,
  ): Promise<Requestable> {
    const { access } = this.deps;
    const scope = await access.requireAdminScope(caller, 'write', 'requestable.put', context);
    await access.requireCovered(caller, scope, [input], 'requestable.put', context);
    const current = await this.deps.store.get(input.id);
    if (current) await access.requireCovered(caller, scope, [current], 'requestable.put', context);
    checkIfMatch(`requestable access ${input.id}`, current, ifMatchVersion, 'replace');
    // The same content again is no change: no new version, nothing audited as applied.
    if (current && sameContent(current, input)) return current;
    const next: Requestable = { ...input, version: (current?.version ?? 0) + 1 };
    const issues = validateRequestable(next, this.deps.rules);
    if (issues.length > 0) throw new InvalidRequestError('the requestable access is not valid', issues);
    await this.record(caller, context, 'requestable.put', current, next);
    return next;
  }

  async delete(
    caller: Caller,
    id: string,
    ifMatchVersion: number | undefined,
    context: RequestContext,
  ): Promise<void> {
    const { access } = this.deps;
    const scope = await access.requireAdminScope(caller, 'write', 'requestable.delete', context);
    await access.requireCovered(caller, scope, [{ id }], 'requestable.delete', context);
    const current = await this.deps.store.get(id);
    if (current) await access.requireCovered(caller, scope, [current], 'requestable.delete', context);
    checkIfMatch(`requestable access ${id}`, current, ifMatchVersion, 'delete');
    if (current) await this.record(caller, context, 'requestable.delete', current, undefined);
  }

  private async record(
    caller: Caller,
    context: RequestContext,
    action: AuditAction,
    before: Requestable | undefined,
    after: Requestable | undefined,
  ): Promise<void> {
    const now = this.deps.clock.now();
    const { subject, event, write } = adminChangeEvent(
      { eventId: this.deps.newEventId(now), now },
      action,
      caller,
      context,
      { before, after },
    );
    event.detail = `requestable access ${subject.id}`;
    await this.deps.audit.appendWith(event, (record) => this.deps.store.write(write, record));
  }
}
