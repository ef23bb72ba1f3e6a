import * as z from '../../zod-mini.js';
import type { RevocationLookup } from '../revocation/ports.js';
import type { Clock } from '../shared/clock.js';
import { ConflictError } from '../shared/errors.js';
import {
  type AssumedRole,
  type Caller,
  DURATION_BOUNDS,
  type IssuancePlan,
  type IssuanceRequest,
  type RequestContext,
} from '../shared/types.js';
import type { IdempotencyStore } from './ports.js';
import type { IdempotencySealer } from './sealing.js';
import type { CredentialVendor, Issuance } from './vend.js';

/** A request still in flight holds its key this long; a crashed one frees it after that. */
const PENDING_MS = 60_000;

const issuanceSchema = z.object({
  eventId: z.string(),
  plan: z.object({
    entitlementId: z.string(),
    accountId: z.string(),
    roleArn: z.string(),
    durationSeconds: z.number(),
    durationBoundBy: z.enum(DURATION_BOUNDS),
    sessionName: z.string(),
    sourceIdentity: z.string(),
    sessionPolicy: z.optional(z.string()),
    policyArns: z.array(z.string()),
    sessionPolicyChars: z.number(),
    tags: z.array(z.object({ key: z.string(), value: z.string() })),
    transitiveTagKeys: z.array(z.string()),
    externalId: z.optional(z.string()),
    reason: z.optional(z.string()),
  }),
  assumed: z.object({
    credentials: z.object({
      accessKeyId: z.string(),
      secretAccessKey: z.string(),
      sessionToken: z.string(),
      expiration: z.pipe(
        z.iso.datetime(),
        z.transform((t) => new Date(t)),
      ),
    }),
    assumedRoleArn: z.string(),
    packedPolicySize: z.optional(z.number()),
    stsRequestId: z.optional(z.string()),
  }),
});

export interface IdempotentResult {
  issuance: Issuance;
  /** True when this answer is the stored one from an earlier request with the same key. */
  replayed: boolean;
}

/**
 * `Idempotency-Key` on issuance: a retry with the same key and the same request gets the
 * same credentials, within their lifetime, without a second AssumeRole or audit record.
 * The stored answer is sealed with a key derived from the caller's Idempotency-Key (see
 * IdempotencySealer), so the table never holds a usable secret. A concurrent duplicate
 * gets 409 and retries; the same key with a different request is a 409 too.
 */
export class IdempotentIssuer {
  constructor(
    private readonly deps: {
      vendor: CredentialVendor;
      store: IdempotencyStore;
      /** The sealer under the server's current secret (read at run time; may reject: nothing is issued). */
      sealer: () => Promise<IdempotencySealer>;
      clock: Clock;
      revocations: RevocationLookup;
    },
  ) {}

  async issue(
    caller: Caller,
    request: IssuanceRequest,
    context: RequestContext,
    idempotencyKey: string,
    requestText: string,
    deliver?: (assumed: AssumedRole, plan: IssuancePlan) => Promise<void>,
  ): Promise<IdempotentResult> {
    const sealer = await this.deps.sealer();
    const keyHash = sealer.digest(`key\n${caller.identityKey}\n${idempotencyKey}`);
    const requestHash = sealer.digest(`request\n${requestText}`);
    const now = this.deps.clock.now();
    const existing = await this.deps.store.claim(
      keyHash,
      requestHash,
      now,
      new Date(now.getTime() + PENDING_MS),
    );
    if (existing) {
      if (existing.requestHash !== requestHash) {
        throw new ConflictError('this Idempotency-Key was used with a different request');
      }
      if (existing.state === 'pending') {
        throw new ConflictError('a request with this Idempotency-Key is in progress; retry shortly');
      }
      const text = sealer.open(
        caller.identityKey,
        idempotencyKey,
        existing.sealed,
        `${keyHash}:${requestHash}`,
      );
      const stored = issuanceSchema.parse(JSON.parse(text));
      await this.deps.vendor.checkReplay(caller, request, context, stored, this.deps.revocations);
      return { issuance: stored, replayed: true };
    }
    let issuance: Issuance;
    try {
      issuance = await this.deps.vendor.issue(caller, request, context, deliver);
    } catch (error) {
      // Nothing was handed out: let a retry with this key try again.
      await this.deps.store.release(keyHash).catch(() => undefined);
      throw error;
    }
    const sealed = sealer.seal(
      caller.identityKey,
      idempotencyKey,
      JSON.stringify(issuance),
      `${keyHash}:${requestHash}`,
    );
    // If this write fails the caller still gets its credentials; a retry then finds the key
    // pending and gets 409 until it frees, rather than a second issuance.
    await this.deps.store
      .complete(keyHash, sealed, issuance.assumed.credentials.expiration)
      .catch(() => undefined);
    return { issuance, replayed: false };
  }
}
