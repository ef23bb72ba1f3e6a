import type * as z from 'zod';
import type { Entitlement } from '../domain/shared/types.js';
import { subjectKindOf } from '../domain/subjects/subjects.js';
import { explainRequestWire, type SubjectListWire } from '../wire/subjects.js';
import { toSubjectWire } from './entitlement-schema.js';
import { parseJsonBody } from './json-body.js';

export function parseExplainBody(text: string): z.infer<typeof explainRequestWire> {
  return parseJsonBody(explainRequestWire, text, 'explain request ({ issuer, claims })');
}

/** Distinct subjects of a page of entitlements, each with the ids granted to it. */
export function subjectsOf(entitlements: readonly Entitlement[]): SubjectListWire['subjects'] {
  const bySubject = new Map<string, SubjectListWire['subjects'][number]>();
  for (const e of entitlements) {
    // A claim rule's identity is its conditions: rules of one issuer share a key.
    const key = e.claimConditions ? `${e.subject}|${JSON.stringify(e.claimConditions)}` : e.subject;
    const entry = bySubject.get(key) ?? {
      subject: toSubjectWire(e),
      kind: subjectKindOf(e.subject),
      entitlements: [],
    };
    entry.entitlements.push(e.id);
    bySubject.set(key, entry);
  }
  return [...bySubject.values()];
}
