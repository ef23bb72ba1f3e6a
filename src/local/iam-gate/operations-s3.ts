import { type Authorisation, type OperationScope, UnmappedOperation } from './authorisation.js';
import type { WireRequest } from './wire.js';

type S3Wire = Extract<WireRequest, { protocol: 's3' }>;

/** Sub-resources of a bucket request, by method, to the IAM action (first match wins). */
const BUCKET_SUBRESOURCES: Record<string, Array<[string, string]>> = {
  GET: [
    ['policy', 'GetBucketPolicy'],
    ['versions', 'ListBucketVersions'],
    ['object-lock', 'GetBucketObjectLockConfiguration'],
    ['location', 'GetBucketLocation'],
    ['versioning', 'GetBucketVersioning'],
    ['uploads', 'ListBucketMultipartUploads'],
    ['tagging', 'GetBucketTagging'],
    ['encryption', 'GetEncryptionConfiguration'],
  ],
  PUT: [
    ['policy', 'PutBucketPolicy'],
    ['object-lock', 'PutBucketObjectLockConfiguration'],
    ['versioning', 'PutBucketVersioning'],
    ['tagging', 'PutBucketTagging'],
    ['notification', 'PutBucketNotification'],
    ['publicAccessBlock', 'PutBucketPublicAccessBlock'],
    ['encryption', 'PutEncryptionConfiguration'],
    ['ownershipControls', 'PutBucketOwnershipControls'],
  ],
  DELETE: [['policy', 'DeleteBucketPolicy']],
  // Multi-object delete: authorised as DeleteObject on the bucket's objects.
  POST: [['delete', 'DeleteObject']],
};

const OBJECT_SUBRESOURCES: Record<string, Array<[string, string]>> = {
  GET: [
    ['retention', 'GetObjectRetention'],
    ['legal-hold', 'GetObjectLegalHold'],
    ['tagging', 'GetObjectTagging'],
  ],
  PUT: [
    ['retention', 'PutObjectRetention'],
    ['legal-hold', 'PutObjectLegalHold'],
    ['tagging', 'PutObjectTagging'],
  ],
};

function header(wire: S3Wire, name: string): string | undefined {
  const value = wire.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function subresource(table: Array<[string, string]> | undefined, query: URLSearchParams): string | undefined {
  return table?.find(([name]) => query.has(name))?.[1];
}

function bucketActions(wire: S3Wire): string[] {
  const sub = subresource(BUCKET_SUBRESOURCES[wire.method], wire.query);
  if (sub) return [sub];
  switch (wire.method) {
    case 'GET':
    case 'HEAD':
      return ['ListBucket'];
    case 'DELETE':
      return ['DeleteBucket'];
    case 'PUT':
      // A bucket created with Object Lock needs the lock and versioning permissions too.
      return header(wire, 'x-amz-bucket-object-lock-enabled') === 'true'
        ? ['CreateBucket', 'PutBucketObjectLockConfiguration', 'PutBucketVersioning']
        : ['CreateBucket'];
    default:
      throw new UnmappedOperation(`s3:${wire.method} /${wire.bucket ?? ''}?${wire.query}`);
  }
}

function objectActions(wire: S3Wire): string[] {
  const sub = subresource(OBJECT_SUBRESOURCES[wire.method], wire.query);
  if (sub) return [sub];
  const versioned = wire.query.has('versionId');
  switch (wire.method) {
    case 'GET':
    case 'HEAD':
      return [versioned ? 'GetObjectVersion' : 'GetObject'];
    case 'PUT':
    case 'POST':
      return [
        'PutObject',
        ...(header(wire, 'x-amz-object-lock-mode') ? ['PutObjectRetention'] : []),
        ...(header(wire, 'x-amz-object-lock-legal-hold') ? ['PutObjectLegalHold'] : []),
      ];
    case 'DELETE':
      return [
        versioned ? 'DeleteObjectVersion' : 'DeleteObject',
        ...(header(wire, 'x-amz-bypass-governance-retention') === 'true'
          ? ['BypassGovernanceRetention']
          : []),
      ];
    default:
      throw new UnmappedOperation(`s3:${wire.method} /${wire.bucket}/${wire.key}`);
  }
}

/** S3's REST requests: the action from method, path and sub-resource; the bucket or object ARN. */
export function s3Authorisations(wire: S3Wire, scope: OperationScope): Authorisation[] {
  if (!wire.bucket) {
    if (wire.method === 'GET') return [{ action: 's3:ListAllMyBuckets', resource: '*' }];
    throw new UnmappedOperation(`s3:${wire.method} /`);
  }
  const owner = scope.lookups.bucketAccount(wire.bucket);
  const resourceAccount = owner ? { resourceAccount: owner } : {};
  if (wire.key === undefined) {
    const deletesObjects = wire.method === 'POST' && wire.query.has('delete');
    const resource = deletesObjects ? `arn:aws:s3:::${wire.bucket}/*` : `arn:aws:s3:::${wire.bucket}`;
    return bucketActions(wire).map((action) => ({ action: `s3:${action}`, resource, ...resourceAccount }));
  }
  const resource = `arn:aws:s3:::${wire.bucket}/${wire.key}`;
  return objectActions(wire).map((action) => ({ action: `s3:${action}`, resource, ...resourceAccount }));
}
