/**
 * What the portal says when a sign-in fails, from a fixed set keyed by the OAuth error code
 * (RFC 6749 4.1.2.1, 5.2; OpenID Connect Core 3.1.2.6). Never the `error_description` or an
 * unknown code: those arrive in a URL anyone can craft and send, so showing them would let
 * a link put words ("call this number", "paste your token here") in credvend's page.
 */
const MESSAGES: Readonly<Record<string, string>> = {
  access_denied: 'Sign-in was refused or cancelled at your identity provider.',
  login_required: 'Your identity provider needs you to sign in again.',
  interaction_required: 'Your identity provider needs you to complete sign-in there.',
  consent_required: 'Your identity provider needs your consent for credvend.',
  account_selection_required: 'Your identity provider needs you to choose an account.',
  invalid_request: 'The identity provider refused the sign-in request.',
  invalid_scope: 'The identity provider refused the sign-in request.',
  unauthorized_client: 'The identity provider does not allow this portal to sign you in.',
  unsupported_response_type: 'The identity provider does not allow this portal to sign you in.',
  invalid_client: 'The identity provider does not allow this portal to sign you in.',
  invalid_grant: 'The sign-in expired or was already used: sign in again.',
  server_error: 'The identity provider failed: try again.',
  temporarily_unavailable: 'The identity provider is unavailable for now: try again later.',
};

const UNKNOWN = 'Sign-in failed: sign in again.';

export function signInErrorMessage(code: string | null | undefined): string {
  return (code && Object.hasOwn(MESSAGES, code) ? MESSAGES[code] : undefined) ?? UNKNOWN;
}
