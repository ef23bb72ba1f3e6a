import { decodeJwt, type JWTVerifyGetKey } from 'jose';
import { AuthenticationError } from '../domain/shared/errors.js';
import type { Caller } from '../domain/shared/types.js';
import { claimSubjectKeys } from '../domain/subjects/subjects.js';
import { checkedGroups } from '../domain/subjects/token-claims.js';
import { type FetchLike, OidcAuthenticator, type OidcSettings } from './oidc.js';

export interface OidcIssuerSettings extends OidcSettings {
  /** Claim holding the caller's groups (an array of strings); absent, this issuer grants no group subjects. */
  groupsClaim?: string;
}

interface IssuerEntry {
  settings: OidcIssuerSettings;
  authenticator: OidcAuthenticator;
}

/**
 * Several OIDC issuers at once (a company IdP for people, GitHub Actions and GitLab for CI),
 * each with its own audience, algorithms, name and groups claims. The token's unverified
 * `iss` only chooses which issuer's settings and keys to verify with; the token is verified
 * against that issuer's keys alone, and its `iss` is checked again by that verification.
 */
export class OidcIssuers {
  private readonly issuers = new Map<string, IssuerEntry>();

  constructor(
    settings: readonly OidcIssuerSettings[],
    keysFor?: (issuer: string) => JWTVerifyGetKey | undefined,
    fetchImpl?: FetchLike,
  ) {
    for (const s of settings) {
      if (this.issuers.has(s.issuer)) throw new Error(`OIDC issuer ${s.issuer} is configured twice`);
      this.issuers.set(s.issuer, {
        settings: s,
        authenticator: new OidcAuthenticator(s, keysFor?.(s.issuer), fetchImpl),
      });
    }
  }

  async authenticate(token: string): Promise<Caller> {
    const entry = this.issuers.get(unverifiedIssuer(token));
    // Not audited: nothing about the caller is proven.
    if (!entry) throw new AuthenticationError('bearer token rejected: issuer not accepted here');
    const caller = await entry.authenticator.authenticate(token);
    return withClaimSubjects(caller, entry.settings);
  }
}

function unverifiedIssuer(token: string): string {
  try {
    const { iss } = decodeJwt(token);
    if (typeof iss === 'string') return iss;
  } catch {
    // fall through: a malformed token has no issuer
  }
  throw new AuthenticationError('bearer token rejected: malformed token or no issuer');
}

/**
 * The caller's subject keys, most specific first: its exact `iss`+`sub`, one per group of
 * its issuer's groups claim, then its issuer's claim-rule key (rules are matched on the rows).
 */
function withClaimSubjects(caller: Caller, settings: OidcIssuerSettings): Caller {
  const groups = checkedGroups(caller.principal, caller.claims, settings.groupsClaim);
  return {
    ...caller,
    subjectKeys: [...caller.subjectKeys, ...claimSubjectKeys(settings.issuer, groups)],
  };
}
