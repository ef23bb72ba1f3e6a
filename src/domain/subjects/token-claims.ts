import { AuthenticationError } from '../shared/errors.js';
import { MAX_GROUPS_PER_TOKEN } from './subjects.js';

/** Verified claims larger than this (as JSON) are refused: they end up in audit and tags. */
const MAX_CLAIMS_BYTES = 8192;
const GROUP_NAME_MAX_LENGTH = 256;

/**
 * A verified token whose claims credvend will not use: the caller is known (the signature
 * held), so the refusal is audited under that principal.
 */
function refuse(principal: string, reason: string): AuthenticationError {
  const error = new AuthenticationError(`bearer token rejected: ${reason}`);
  error.claimedPrincipal = principal;
  error.claimedAuthMethod = 'oidc';
  return error;
}

/** Checks the claim set's size; returns the caller's groups from `groupsClaim` (none without one). */
export function checkedGroups(
  principal: string,
  claims: Readonly<Record<string, unknown>>,
  groupsClaim: string | undefined,
): string[] {
  const bytes = Buffer.byteLength(JSON.stringify(claims));
  if (bytes > MAX_CLAIMS_BYTES)
    refuseWith(principal, `claims are ${bytes} bytes; at most ${MAX_CLAIMS_BYTES}`);
  if (groupsClaim === undefined || claims[groupsClaim] === undefined) return [];
  const value = claims[groupsClaim];
  if (!Array.isArray(value) || !value.every((g): g is string => typeof g === 'string')) {
    refuseWith(principal, `claim ${groupsClaim} must be an array of strings`);
  }
  if (value.length > MAX_GROUPS_PER_TOKEN) {
    refuseWith(principal, `claim ${groupsClaim} has ${value.length} groups; at most ${MAX_GROUPS_PER_TOKEN}`);
  }
  if (value.some((g) => g.length === 0 || g.length > GROUP_NAME_MAX_LENGTH)) {
    refuseWith(
      principal,
      `claim ${groupsClaim} holds a group name that is empty or over ${GROUP_NAME_MAX_LENGTH} characters`,
    );
  }
  return [...new Set(value)];
}

function refuseWith(principal: string, reason: string): never {
  throw refuse(principal, reason);
}
