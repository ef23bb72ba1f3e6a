import { S3DigestReader } from '../aws/s3-digest-reader.js';
import type { DigestConfig } from '../config.js';
import { createS3Client } from './clients.js';
import type { Composition } from './composition.js';

/** The digest bucket as this process may reach it (the local stack adapts it to moto). */
export function digestReaderOf(root: Composition, digests: DigestConfig): S3DigestReader {
  const s3 = createS3Client(root.config, root.runtime.credentials);
  root.runtime.adjustS3?.(s3);
  return new S3DigestReader(s3, digests.bucket, digests.prefix);
}
