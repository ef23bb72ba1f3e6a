import type { $ZodError } from 'zod/v4/core';
import { InvalidRequestError } from './errors.js';

/**
 * A zod failure as the API reports it: one InvalidRequestError listing every issue with a
 * dotted path (`prefix` first), or `root` for an issue about the whole value.
 */
export function invalidRequest(
  message: string,
  error: $ZodError,
  root = '(body)',
  prefix: readonly string[] = [],
): InvalidRequestError {
  return new InvalidRequestError(
    message,
    error.issues.map((issue) => ({
      path: [...prefix, ...issue.path.map(String)].join('.') || root,
      message: issue.message,
    })),
  );
}
