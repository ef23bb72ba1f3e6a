import { createHash } from 'node:crypto';
import { SESSION_NAME_CHARSET, STS_LIMITS } from '../issuance/sts-limits.js';
import type { Caller } from '../shared/types.js';

/** Hex characters of SHA-256 kept in a SourceIdentity: 128 bits, so distinct callers never share one. */
const DIGEST_CHARS = 32;
/** What is left of STS's 64 characters for the readable part, after `.` and the digest. */
const LABEL_MAX_CHARS = STS_LIMITS.sourceIdentityMaxLength - DIGEST_CHARS - 1;
const NOT_SESSION_NAME_CHAR = /[^\w+=,.@-]+/g;

/**
 * Session tag that carries the caller's human-readable name (a verified email, a
 * configured claim, an IAM role or user name): display only, never identity.
 */
export const CALLER_NAME_TAG = 'credvend-caller';

/**
 * The readable part of an identity key: the OIDC `sub`, or the IAM role or user name.
 * Cosmetic only — the digest makes the SourceIdentity unique — so a key of another shape
 * is shown whole.
 */
function labelOf(identityKey: string): string {
  if (identityKey.startsWith('oidc|')) return identityKey.slice(identityKey.indexOf('|', 5) + 1);
  const root = /^aws\|arn:[\w-]+:iam::(\d{12}):root$/.exec(identityKey);
  if (root) return `root-${root[1]}`;
  if (identityKey.startsWith('aws|')) return identityKey.slice(identityKey.lastIndexOf('/') + 1);
  return identityKey;
}

/**
 * The SourceIdentity of every session issued to the caller with this identity key:
 * `<readable label>.<first 128 bits of SHA-256(key), hex>`. A function of the verified key
 * only, so it is the same for every session of one caller and differs between any two
 * callers — unlike a sanitised name, which maps `repo:a/b-c` and `repo:a-b/c`, or
 * `auth0|x` and `auth0-x`, to one value. Always 34-64 characters of STS's `[\w+=,.@-]`,
 * so it can never start with the reserved `aws:`.
 */
export function sourceIdentityFor(identityKey: string): string {
  const digest = createHash('sha256').update(identityKey, 'utf8').digest('hex').slice(0, DIGEST_CHARS);
  const label = labelOf(identityKey)
    .replace(NOT_SESSION_NAME_CHAR, '-')
    .slice(0, LABEL_MAX_CHARS)
    .replace(/^[-.]+|[-.]+$/g, '');
  return `${label || 'caller'}.${digest}`;
}

/**
 * RoleSessionName: the caller's human-readable name when STS accepts it as it is (2-64
 * characters of `[\w+=,.@-]`), else the SourceIdentity. Never a lossy rewrite of the name,
 * so the ARN CloudTrail shows either names the person exactly or is the unique identity.
 */
export function sessionNameFor(caller: Caller, sourceIdentity: string): string {
  const name = caller.displayName;
  const fits =
    name.length >= STS_LIMITS.sessionNameMinLength &&
    name.length <= STS_LIMITS.sessionNameMaxLength &&
    SESSION_NAME_CHARSET.test(name);
  return fits ? name : sourceIdentity;
}
