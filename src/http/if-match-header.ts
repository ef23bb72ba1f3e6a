import { InvalidRequestError } from '../domain/shared/errors.js';

/** `If-Match: "v3"` → 3; absent → undefined; anything else is a client error. */
export function ifMatchVersion(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^(?:W\/)?"v(\d{1,9})"$/.exec(header.trim());
  if (!match?.[1]) throw new InvalidRequestError('If-Match must be an ETag this API returned, like "v3"');
  return Number(match[1]);
}
