import { kmsPublicKey, parsePublicKey } from '../aws/kms-public-key.js';
import { ConfigError } from '../config.js';
import type { DigestAnchoring } from '../domain/audit/verification.js';
import { memoizeSuccess } from '../domain/shared/memoize.js';
import { createKmsClient } from './clients.js';
import type { Composition } from './composition.js';
import { digestReaderOf } from './digest-bucket.js';

/** How verifiers reach the digests: the bucket (read only), and the public key, pinned or from KMS. */
export function digestAnchoringOf(root: Composition): DigestAnchoring | undefined {
  const digests = root.config.digests;
  if (!digests) return undefined;
  const { publicKey: pinned, keyId } = digests;
  if (!pinned && !keyId)
    throw new ConfigError('invalid configuration: set CREDVEND_DIGEST_PUBLIC_KEY or CREDVEND_DIGEST_KEY_ID');
  return {
    digests: digestReaderOf(root, digests),
    // A failed fetch is not kept: one KMS error must not fail every verification of this container.
    publicKey: memoizeSuccess(() =>
      pinned
        ? Promise.resolve(parsePublicKey(pinned))
        : kmsPublicKey(createKmsClient(root.config, root.runtime.credentials), keyId ?? ''),
    ),
  };
}
