// What every operation mapping produces and needs, apart from the dispatcher (operations.ts)
// that imports the mappings, so the mappings do not import their own dispatcher.

/** One IAM decision a request needs: an action on a resource, with the request's own condition keys. */
export interface Authorisation {
  action: string;
  resource: string;
  /** The resource's account when it is not the caller's (S3 buckets, cross-account roles). */
  resourceAccount?: string;
  context?: Record<string, string | string[]>;
}

/** What the mapping needs to know beyond the request: the caller's account and region, and lookups in the emulator. */
export interface OperationScope {
  account: string;
  region: string;
  /** The caller's user name when it is an IAM user (IAM's own-key calls name no user). */
  userName?: string;
  lookups: Lookups;
}

export interface Lookups {
  /** The full ARN (with its random suffix) of a secret named or ARN'd by `secretId`. */
  secretArn(account: string, region: string, secretId: string): Promise<string>;
  /** The account that owns a bucket (the one whose principal created it). */
  bucketAccount(bucket: string): string | undefined;
  /** The name of a table's partition key, for dynamodb:LeadingKeys. */
  partitionKey(table: string): Promise<string | undefined>;
  /** A role's permissions boundary ARN, for iam:PermissionsBoundary. */
  roleBoundary(account: string, roleName: string): Promise<string | undefined>;
}

/** An operation the gate has no IAM mapping for: refused, never passed through unjudged. */
export class UnmappedOperation extends Error {
  override name = 'UnmappedOperation';
  constructor(readonly operation: string) {
    super(
      `the local IAM gate has no IAM mapping for ${operation}, so it refuses it rather than let it through unjudged; add it to src/local/iam-gate/operations-*.ts`,
    );
  }
}
