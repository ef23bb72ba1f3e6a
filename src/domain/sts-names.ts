import { STS_LIMITS, TAG_CHARSET } from './limits.js';

const NOT_SESSION_NAME_CHAR = /[^\w+=,.@-]/g;
const NOT_TAG_CHAR = /[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu;

/**
 * A caller's name made acceptable to STS as RoleSessionName or SourceIdentity: disallowed
 * characters become `-`, the result is cut to `maxLength` and padded to STS's minimum, so
 * any caller gets a stable, recognisable name instead of an STS ValidationError.
 */
export function toStsIdentifier(name: string, maxLength: number = STS_LIMITS.sessionNameMaxLength): string {
  const sanitised = name.replace(NOT_SESSION_NAME_CHAR, '-').slice(0, maxLength);
  if (sanitised.length >= STS_LIMITS.sessionNameMinLength) return sanitised;
  return `${sanitised}--`.slice(0, STS_LIMITS.sessionNameMinLength);
}

/** A claim value made acceptable as a session tag value. */
export function toTagValue(value: string): string {
  const sanitised = value.replace(NOT_TAG_CHAR, '_').slice(0, STS_LIMITS.tagValueMaxLength);
  return TAG_CHARSET.test(sanitised) ? sanitised : '';
}
