import type * as z from 'zod';
import { InvalidRequestError } from '../domain/shared/errors.js';
import type { Entitlement } from '../domain/shared/types.js';
import { invalidRequest } from '../domain/shared/validation.js';
import { subjectKindOf } from '../domain/subjects/subjects.js';
import { explainRequestWire, type SubjectListWire } from '../wire/subjects.js';
import { toSubjectWire } from './entitlement-schema.js';

export function parseExplainBody(text: string): z.infer<typeof explainRequestWire> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidRequestError('the body is not valid JSON');
  }
  const result = explainRequestWire.safeParse(json);
  if (!result.success) throw invalidRequest('the body must be { issuer, claims }', result.error);
  return result.data;
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
