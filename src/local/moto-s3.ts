import type { S3Client } from '@aws-sdk/client-s3';

/**
 * moto's server rejects the signature of a ListObjectsV2 request whose query holds a `/`
 * (a prefix such as `digests/2026/11/26/`). Locally the prefix is dropped, moto lists the
 * whole bucket, and the digest bucket adapter filters by prefix itself, as it always does.
 */
export function dropListPrefix(client: S3Client): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const input: unknown = args.input;
      if (input && typeof input === 'object' && 'Prefix' in input) Reflect.deleteProperty(input, 'Prefix');
      return next(args);
    },
    { step: 'initialize', name: 'motoDropListPrefix' },
  );
}
