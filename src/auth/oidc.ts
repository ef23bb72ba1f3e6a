import {
  createRemoteJWKSet,
  type JWTPayload,
  type JWTVerifyGetKey,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import { AuthenticationError } from '../domain/shared/errors.js';
import type { Caller } from '../domain/shared/types.js';
import { oidcSubject } from '../domain/subjects/subjects.js';

export interface OidcSettings {
  issuer: string;
  audience: string;
  /** Where the signing keys are. Discovered from the issuer's metadata when absent. */
  jwksUri?: string;
  /** Asymmetric algorithms only: a shared-secret or `none` token must never verify. */
  algorithms: readonly string[];
  /** Claim shown as the caller's name (`email` only when `email_verified`); falls back to `sub`. */
  nameClaim: string;
  clockToleranceSeconds: number;
  /** Required JOSE `typ` header (e.g. `JWT`, `at+jwt`); absent, any. */
  requiredTyp?: string;
  /** Required `azp` claim; absent, not checked. */
  authorizedParty?: string;
  /** Oldest accepted token, by `iat`; absent, only `exp` limits it. */
  maxTokenAgeSeconds?: number;
  /**
   * A key removed from the issuer's JWKS stops being accepted within this many seconds:
   * half of it for the cached key set, half for the cache of verified tokens. Default 60.
   */
  keyRefreshSeconds?: number;
}

const VERIFIED_CACHE_SIZE = 1000;
const DEFAULT_KEY_REFRESH_SECONDS = 60;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/**
 * Verifies OIDC bearer JWTs against the issuer's JWKS. The key set is fetched lazily and
 * cached by jose across invocations of a warm Lambda, so cold start does no network I/O.
 */
export class OidcAuthenticator {
  private keys: Promise<JWTVerifyGetKey> | undefined;
  /**
   * Tokens already verified, until the earlier of their expiry and a short horizon: CI jobs
   * and credential_process call repeatedly with one token, and signature checks dominate
   * the authentication cost. Bounded so a flood of distinct tokens cannot grow it.
   */
  private readonly verified = new Map<string, { caller: Caller; until: number }>();
  /** Half of the key-removal horizon (see `keyRefreshSeconds`), in ms. */
  private readonly halfRefreshMs: number;

  constructor(
    private readonly settings: OidcSettings,
    keys?: JWTVerifyGetKey,
    private readonly fetchImpl: FetchLike = fetch,
  ) {
    if (keys) this.keys = Promise.resolve(keys);
    this.halfRefreshMs = ((settings.keyRefreshSeconds ?? DEFAULT_KEY_REFRESH_SECONDS) * 1000) / 2;
  }

  async authenticate(token: string): Promise<Caller> {
    const now = Date.now();
    const cached = this.verified.get(token);
    if (cached && cached.until > now) return cached.caller;
    if (cached) this.verified.delete(token);
    const caller = await this.verify(token);
    const exp = typeof caller.claims.exp === 'number' ? caller.claims.exp * 1000 : now;
    if (this.verified.size >= VERIFIED_CACHE_SIZE) {
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
    this.verified.set(token, { caller, until: Math.min(exp, now + this.halfRefreshMs) });
    return caller;
  }

  private async verify(token: string): Promise<Caller> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await this.keySet(), {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: [...this.settings.algorithms],
        clockTolerance: this.settings.clockToleranceSeconds,
        requiredClaims: ['sub', 'exp'],
        ...(this.settings.requiredTyp ? { typ: this.settings.requiredTyp } : {}),
        ...(this.settings.maxTokenAgeSeconds !== undefined
          ? { maxTokenAge: this.settings.maxTokenAgeSeconds }
          : {}),
      }));
    } catch (error) {
      throw new AuthenticationError(`bearer token rejected: ${describeJoseError(error)}`, { cause: error });
    }
    if (this.settings.authorizedParty !== undefined && payload.azp !== this.settings.authorizedParty) {
      throw new AuthenticationError('bearer token rejected: claim azp invalid (not the configured party)');
    }
    const sub = payload.sub;
    if (typeof sub !== 'string' || sub.length === 0)
      throw new AuthenticationError('bearer token rejected: no subject');
    const subject = oidcSubject(this.settings.issuer, sub);
    const caller: Caller = {
      principal: `${this.settings.issuer}#${sub}`,
      authMethod: 'oidc',
      identityKey: subject,
      subjectKeys: [subject],
      displayName: displayNameOf(payload, this.settings.nameClaim) ?? sub,
      claims: payload,
    };
    const email = verifiedEmailOf(payload);
    if (email !== undefined) caller.verifiedEmail = email;
    return caller;
  }

  private keySet(): Promise<JWTVerifyGetKey> {
    if (!this.keys) {
      this.keys = this.resolveJwksUri().then((uri) =>
        createRemoteJWKSet(new URL(uri), {
          cacheMaxAge: this.halfRefreshMs,
          cooldownDuration: Math.min(30_000, this.halfRefreshMs),
        }),
      );
      // A failed discovery must not be cached forever: the next request tries again.
      this.keys.catch(() => {
        this.keys = undefined;
      });
    }
    return this.keys;
  }

  private async resolveJwksUri(): Promise<string> {
    if (this.settings.jwksUri) return this.settings.jwksUri;
    const metadataUrl = `${this.settings.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const response = await this.fetchImpl(metadataUrl, { signal: AbortSignal.timeout(5000) });
    if (!response.ok)
      throw new AuthenticationError(`OIDC discovery failed: ${metadataUrl} answered ${response.status}`);
    const metadata: unknown = await response.json();
    if (!metadata || typeof metadata !== 'object' || !('jwks_uri' in metadata) || !('issuer' in metadata)) {
      throw new AuthenticationError(`OIDC discovery failed: ${metadataUrl} has no issuer or jwks_uri`);
    }
    // OpenID Connect Discovery §4.3: the metadata must name the issuer it was fetched for.
    if (metadata.issuer !== this.settings.issuer) {
      throw new AuthenticationError(`OIDC discovery failed: ${metadataUrl} names another issuer`);
    }
    const jwksUri = metadata.jwks_uri;
    if (
      typeof jwksUri !== 'string' ||
      !URL.canParse(jwksUri) ||
      !isSecureOrLocal(new URL(jwksUri), this.settings.issuer)
    ) {
      throw new AuthenticationError(
        `OIDC discovery failed: ${metadataUrl} gives a jwks_uri that is not https`,
      );
    }
    return jwksUri;
  }
}

/** https, or plain http only when the issuer itself is a loopback http URL (the local stack). */
function isSecureOrLocal(url: URL, issuer: string): boolean {
  if (url.protocol === 'https:') return true;
  const own = new URL(issuer);
  return (
    url.protocol === 'http:' &&
    own.protocol === 'http:' &&
    LOOPBACK.has(own.hostname) &&
    LOOPBACK.has(url.hostname)
  );
}

/**
 * The configured name claim, display only. An `email` counts only when the IdP says it
 * verified it: anyone can put alice's address in an unverified email claim.
 */
function displayNameOf(payload: JWTPayload, nameClaim: string): string | undefined {
  const named = payload[nameClaim];
  if (typeof named !== 'string' || named.length === 0) return undefined;
  if (nameClaim === 'email' && payload.email_verified !== true) return undefined;
  return named;
}

/** The `email` claim when the IdP says it verified it, lower-cased: compared across issuers. */
function verifiedEmailOf(payload: JWTPayload): string | undefined {
  const email = payload.email;
  if (typeof email !== 'string' || payload.email_verified !== true) return undefined;
  return /^[^\s@]+@[^\s@]+$/.test(email) ? email.toLowerCase() : undefined;
}

/** A caller-safe reason: which check failed, never key material or the token. */
function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'token expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed)
    return `claim ${error.claim} invalid (${error.reason})`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'signature invalid';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'no matching signing key';
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid)
    return 'malformed token';
  if (error instanceof joseErrors.JWKSTimeout) return 'signing keys unavailable';
  if (error instanceof AuthenticationError) return error.message;
  return 'token could not be verified';
}
