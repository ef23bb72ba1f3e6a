import type { RequestableInput } from '../access-requests/requestable-admin.js';
import type { EntitlementInput } from '../admin/entitlement-admin.js';
import { canonicalJson } from '../audit/chain.js';
import type { AccessEffect, EffectChange, RequestableSeen } from './types.js';
import { audienceWords, ceilingWords, durationWords, roleNameOf, subjectWords, valueWords } from './words.js';

type EntitlementRow = Omit<EntitlementInput, 'id'> & { id: string };
type RequestableRow = Omit<RequestableSeen, 'version'>;

/** Fields whose change alters what a session may do or how long; the rest are shown too, marked. */
const ENTITLEMENT_FIELDS = [
  'maxDurationSeconds',
  'defaultDurationSeconds',
  'sessionPolicy',
  'managedPolicyArns',
  'tags',
  'claimTags',
  'transitiveTagKeys',
  'externalId',
  'notBefore',
  'notAfter',
  'reasonRequired',
  'endWithToken',
  'description',
] as const;

const REQUESTABLE_FIELDS = [
  'approvers',
  'quorum',
  'maxSessionSeconds',
  'maxGrantSeconds',
  'answerWithinSeconds',
  'sessionPolicy',
  'managedPolicyArns',
  'tags',
  'externalIdSet',
  'ticketPattern',
  'autoApproval',
  'breakGlass',
  'description',
] as const;

/** The ExternalId is a secret-ish guard: a plan says that it changes, never what it is. */
const HIDDEN = new Set<string>(['externalId']);

function differences<T extends object>(before: T, after: T, fields: readonly (keyof T & string)[]): string[] {
  const text = (v: unknown) => canonicalJson(v instanceof Date ? v.toISOString() : v);
  return fields
    .filter((field) => text(before[field]) !== text(after[field]))
    .map((field) =>
      HIDDEN.has(field)
        ? `${field}: changed`
        : `${field}: ${valueWords(before[field])} → ${valueWords(after[field])}`,
    );
}

function entitlementDuration(e: EntitlementRow): string {
  const max = `sessions up to ${durationWords(e.maxDurationSeconds)}`;
  return e.defaultDurationSeconds === undefined
    ? max
    : `${max} (default ${durationWords(e.defaultDurationSeconds)})`;
}

function entitlementEffect(e: EntitlementRow, change: EffectChange, diffs: string[] = []): AccessEffect {
  return {
    change,
    kind: 'entitlement',
    id: e.id,
    who: subjectWords(e),
    accountId: e.accountId,
    roleName: roleNameOf(e.roleArn),
    ceiling: e.effect === 'deny' ? 'none: denied' : ceilingWords(e),
    duration: e.effect === 'deny' ? '-' : entitlementDuration(e),
    differences: diffs,
  };
}

/** Who gets what from one entitlement: a grant or a deny. */
const grantOf = (e: EntitlementRow) => `${subjectWords(e)}|${e.accountId}|${e.roleArn}|${e.effect}`;

/** The effect of writing `after` where `before` was (either may be absent). */
export function entitlementEffects(
  before: EntitlementRow | undefined,
  after: EntitlementRow | undefined,
): AccessEffect[] {
  const added = (e: EntitlementRow) => entitlementEffect(e, e.effect === 'deny' ? 'denied' : 'gains');
  const removed = (e: EntitlementRow) =>
    entitlementEffect(e, e.effect === 'deny' ? 'no-longer-denied' : 'loses');
  if (!before) return after ? [added(after)] : [];
  if (!after) return [removed(before)];
  // Another subject, role or account (or allow ↔ deny) is one access ending and another starting.
  if (grantOf(before) !== grantOf(after)) return [removed(before), added(after)];
  return [entitlementEffect(after, 'changes', differences(before, after, ENTITLEMENT_FIELDS))];
}

function requestableEffect(r: RequestableRow, change: EffectChange, diffs: string[] = []): AccessEffect {
  const approval = r.breakGlass
    ? 'break-glass: granted at once, reviewed afterwards'
    : `${r.quorum} approval(s) from ${audienceWords(r.approvers)}`;
  return {
    change,
    kind: 'requestable',
    id: r.id,
    who: `requesters ${audienceWords(r.requesters)}`,
    accountId: r.accountId,
    roleName: roleNameOf(r.roleArn),
    ceiling: ceilingWords(r),
    duration: `grants up to ${durationWords(r.maxGrantSeconds)}, sessions up to ${durationWords(r.maxSessionSeconds)}; ${approval}`,
    differences: diffs,
  };
}

const requestOf = (r: RequestableRow) => `${canonicalJson(r.requesters)}|${r.accountId}|${r.roleArn}`;

/** Requestable access as a plan sees it: the ExternalId reduced to whether it is set. */
export function seenRequestable(r: RequestableInput): RequestableRow {
  const { externalId, ...rest } = r;
  return { ...rest, externalIdSet: externalId !== undefined };
}

export function requestableEffects(
  before: RequestableRow | undefined,
  after: RequestableRow | undefined,
): AccessEffect[] {
  if (!before) return after ? [requestableEffect(after, 'may-request')] : [];
  if (!after) return [requestableEffect(before, 'may-no-longer-request')];
  if (requestOf(before) !== requestOf(after)) {
    return [requestableEffect(before, 'may-no-longer-request'), requestableEffect(after, 'may-request')];
  }
  return [requestableEffect(after, 'changes', differences(before, after, REQUESTABLE_FIELDS))];
}
