import type { Clock } from '../shared/clock.js';
import { type PolicyDocument, policyDocumentSchema } from './document.js';

/** Where managed policy documents come from (IAM's GetPolicy and GetPolicyVersion). */
export interface ManagedPolicySource {
  /** The policy's default version id. */
  defaultVersion(arn: string): Promise<string>;
  /** The document of one version, parsed from JSON but not validated. */
  document(arn: string, versionId: string): Promise<unknown>;
}

/** The documents of managed session policies credvend could read, by ARN. */
export interface ManagedPolicyReader {
  read(arns: readonly string[]): Promise<ReadonlyMap<string, PolicyDocument>>;
}

/**
 * AWS managed policies (`arn:<partition>:iam::aws:policy/…`): every account may read them,
 * and the vend role is granted exactly that. A customer managed policy lives in the target
 * role's account, where credvend holds no IAM rights: it stays a ceiling credvend cannot read.
 */
const AWS_MANAGED = /^arn:aws[\w-]*:iam::aws:policy\//;

export interface ManagedPolicyCacheOptions {
  /**
   * How long a policy's default version is trusted: after an administrator sets a narrower
   * default version, a narrowing may be proven against the old one for at most this long.
   */
  versionTtlSeconds: number;
  /** Documents kept; versions never change, so a document is evicted only for space. */
  maxDocuments: number;
}

export const MANAGED_POLICY_CACHE: ManagedPolicyCacheOptions = { versionTtlSeconds: 300, maxDocuments: 64 };

/**
 * Reads AWS managed policy documents for narrowing proofs, cached: a policy version is
 * immutable, so its document is kept (bounded by count); which version is the default is
 * re-read after `versionTtlSeconds`. A failed read is not cached (the next request tries
 * again) and makes that policy unreadable for this request only: the proof then treats it as
 * a ceiling it cannot see, which can refuse, never widen.
 */
export class ManagedPolicyCache implements ManagedPolicyReader {
  private readonly versions = new Map<string, { versionId: Promise<string>; until: number }>();
  private readonly documents = new Map<string, Promise<PolicyDocument | undefined>>();

  constructor(
    private readonly source: ManagedPolicySource,
    private readonly clock: Clock,
    private readonly options: ManagedPolicyCacheOptions = MANAGED_POLICY_CACHE,
  ) {}

  async read(arns: readonly string[]): Promise<ReadonlyMap<string, PolicyDocument>> {
    const read = await Promise.all(
      arns.map(async (arn) => [arn, AWS_MANAGED.test(arn) ? await this.readOne(arn) : undefined] as const),
    );
    return new Map(read.filter((entry): entry is [string, PolicyDocument] => entry[1] !== undefined));
  }

  private async readOne(arn: string): Promise<PolicyDocument | undefined> {
    try {
      const versionId = await this.defaultVersion(arn);
      return await this.document(arn, versionId);
    } catch {
      return undefined;
    }
  }

  private defaultVersion(arn: string): Promise<string> {
    const now = this.clock.now().getTime();
    const cached = this.versions.get(arn);
    if (cached && cached.until > now) return cached.versionId;
    const entry = {
      versionId: this.source.defaultVersion(arn),
      until: now + this.options.versionTtlSeconds * 1000,
    };
    this.versions.set(arn, entry);
    entry.versionId.catch(() => this.versions.get(arn) === entry && this.versions.delete(arn));
    return entry.versionId;
  }

  private document(arn: string, versionId: string): Promise<PolicyDocument | undefined> {
    const key = `${arn}\n${versionId}`;
    const cached = this.documents.get(key);
    if (cached) return cached;
    // A document credvend's schema refuses (an old policy language version, say) is kept as
    // unreadable: the version will not change.
    const document = this.source.document(arn, versionId).then((raw) => {
      const parsed = policyDocumentSchema.safeParse(raw);
      return parsed.success ? parsed.data : undefined;
    });
    document.catch(() => this.documents.get(key) === document && this.documents.delete(key));
    this.documents.set(key, document);
    while (this.documents.size > this.options.maxDocuments) {
      const oldest = this.documents.keys().next().value;
      if (oldest === undefined) break;
      this.documents.delete(oldest);
    }
    return document;
  }
}
