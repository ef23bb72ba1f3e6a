import type { WireRequest } from './wire.js';

/**
 * Bucket policies, kept by the gate instead of moto. moto's S3 applies a bucket policy's Deny
 * statements without their Condition (a TLS-only statement then refuses every request), so
 * the policies never reach it: the gate, which evaluates conditions with the IAM simulator,
 * is their only judge, as S3 is on AWS.
 */
export class BucketPolicies {
  private readonly policies = new Map<string, string>();

  get(bucket: string): string | undefined {
    return this.policies.get(bucket);
  }

  /**
   * The S3 answer to a PutBucketPolicy, GetBucketPolicy or DeleteBucketPolicy (already
   * authorised by the gate); undefined for any other request, which goes on to moto.
   */
  serve(wire: WireRequest, body: Buffer, bucketExists: (bucket: string) => boolean): S3Answer | undefined {
    if (wire.protocol !== 's3' || !wire.bucket || wire.key !== undefined || !wire.query.has('policy'))
      return undefined;
    const bucket = wire.bucket;
    if (!bucketExists(bucket))
      return s3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', bucket);
    if (wire.method === 'GET') {
      const policy = this.policies.get(bucket);
      return policy === undefined
        ? s3Error(404, 'NoSuchBucketPolicy', 'The bucket policy does not exist', bucket)
        : { status: 200, contentType: 'application/json', body: policy };
    }
    if (wire.method === 'DELETE') {
      this.policies.delete(bucket);
      return { status: 204, contentType: 'application/xml', body: '' };
    }
    if (wire.method === 'PUT') return this.put(bucket, body.toString('utf8'));
    return undefined;
  }

  /** PutBucketPolicy: the body must be a JSON object, as S3 requires. */
  private put(bucket: string, body: string): S3Answer {
    if (!isJsonObject(body))
      return s3Error(
        400,
        'MalformedPolicy',
        "Policies must be valid JSON and the first byte must be '{'",
        bucket,
      );
    this.policies.set(bucket, body);
    return { status: 204, contentType: 'application/xml', body: '' };
  }
}

export interface S3Answer {
  status: number;
  contentType: string;
  body: string;
}

function isJsonObject(text: string): boolean {
  if (!text.trimStart().startsWith('{')) return false;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  } catch {
    return false;
  }
}

const escapeXml = (text: string) => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

function s3Error(status: number, code: string, message: string, bucket: string): S3Answer {
  return {
    status,
    contentType: 'application/xml',
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message><BucketName>${escapeXml(bucket)}</BucketName></Error>`,
  };
}
