import { STS_LIMITS, TAG_CHARSET } from './sts-limits.js';

const NOT_TAG_CHAR = /[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu;

/** A claim value made acceptable as a session tag value. */
export function toTagValue(value: string): string {
  const sanitised = value.replace(NOT_TAG_CHAR, '_').slice(0, STS_LIMITS.tagValueMaxLength);
  return TAG_CHARSET.test(sanitised) ? sanitised : '';
}
