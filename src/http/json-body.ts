import { type $ZodType, type output, safeParse } from 'zod/v4/core';
import { InvalidRequestError } from '../domain/shared/errors.js';
import { invalidRequest } from '../domain/shared/validation.js';

/** JSON text from a request, or InvalidRequestError; nothing else is read before it is valid. */
export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidRequestError('the body is not valid JSON');
  }
}

/**
 * The one body rule of every route: JSON, where an empty body reads as `{}` so the route's
 * own schema decides whether nothing is enough (a decision's comment is optional, an
 * issuance needs a target); then the route's wire schema, every issue listed.
 */
export function parseJsonBody<T extends $ZodType>(schema: T, text: string, what: string): output<T> {
  const result = safeParse(schema, text.trim() === '' ? {} : parseJsonText(text));
  if (!result.success) throw invalidRequest(`the body does not match the ${what} schema`, result.error);
  return result.data;
}
