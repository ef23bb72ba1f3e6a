import { kmsPublicKey, parsePublicKey } from '../aws/kms-public-key.js';
import { ConfigError } from '../config.js';
import type { DigestAnchoring } from '../domain/audit/verification.js';
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
  let key: ReturnType<DigestAnchoring['publicKey']> | undefined;
  return {
    digests: digestReaderOf(root, digests),
    publicKey: () => {
      key ??= pinned
        ? Promise.resolve(parsePublicKey(pinned))
        : kmsPublicKey(createKmsClient(root.config, root.runtime.credentials), keyId ?? '');
      return key;
    },
  };
}
