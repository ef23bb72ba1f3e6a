import type { Caller } from '../shared/types.js';
import {
  type ClaimConditions,
  type ConditionResult,
  describeFailure,
  evaluateConditions,
} from './claim-rules.js';
import { SUBJECT_PRECEDENCE, type SubjectKind, subjectKindOf } from './subjects.js';

/** What a subject is matched against: the caller's subject keys and verified claims. */
export type MatchableCaller = Pick<Caller, 'subjectKeys' | 'claims'>;

/** Anything granted to a subject: an entitlement, or (for JIT access) who may request. */
export interface SubjectRow {
  subject: string;
  /** Only on claim-rule subjects: every condition must hold. */
  claimConditions?: ClaimConditions;
}

export interface SubjectMatch {
  kind: SubjectKind;
  subject: string;
  /** Why it matched, in words safe to show this caller (their own keys and claims). */
  why: string;
}

/**
 * Whether `row`'s subject is this caller, and why. A claim rule with no conditions never
 * matches (such rows are refused at write time; this is the second line).
 */
export function matchSubject(row: SubjectRow, caller: MatchableCaller): SubjectMatch | undefined {
  if (!caller.subjectKeys.includes(row.subject)) return undefined;
  const kind = subjectKindOf(row.subject);
  if (kind !== 'claim-rule') return { kind, subject: row.subject, why: whyKey(kind, row.subject) };
  const conditions = row.claimConditions ?? {};
  const results = evaluateConditions(conditions, caller.claims);
  if (results.length === 0 || results.some((r) => r.failure !== undefined)) return undefined;
  const held = results.map((r) => `${r.claim} matches ${r.pattern}`);
  return { kind, subject: row.subject, why: held.join(', ') };
}

function whyKey(kind: SubjectKind, subject: string): string {
  const name = subject.slice(subject.lastIndexOf('|') + 1);
  switch (kind) {
    case 'group':
      return `member of group ${name}`;
    case 'account':
      return `principal in account root ${name}`;
    default:
      return `exact principal ${subject.slice(subject.indexOf('|') + 1)}`;
  }
}

/** Sort key: the precedence of the subject's kind, then the caller's own key order. */
export function precedenceOf(match: SubjectMatch, caller: MatchableCaller): [number, number] {
  return [SUBJECT_PRECEDENCE.indexOf(match.kind), caller.subjectKeys.indexOf(match.subject)];
}

export interface ClosestMiss<T extends SubjectRow> {
  row: T;
  held: number;
  of: number;
  failed: ConditionResult;
  detail: string;
}

/**
 * Of the claim rules this caller's issuer has (all of which the caller's own Query
 * returned), the one with the most conditions holding, at least one: what a denied caller
 * is told to fix. Rules with no condition holding are never named.
 */
export function closestMiss<T extends SubjectRow>(
  rows: readonly T[],
  caller: MatchableCaller,
): ClosestMiss<T> | undefined {
  let best: ClosestMiss<T> | undefined;
  for (const row of rows) {
    if (subjectKindOf(row.subject) !== 'claim-rule' || !caller.subjectKeys.includes(row.subject)) continue;
    const results = evaluateConditions(row.claimConditions ?? {}, caller.claims);
    const failed = results.find((r) => r.failure !== undefined);
    const held = results.filter((r) => r.failure === undefined).length;
    if (!failed || held === 0) continue;
    if (!best || held / results.length > best.held / best.of) {
      best = { row, held, of: results.length, failed, detail: describeFailure(failed) };
    }
  }
  return best;
}
