import { createPublicKey, type KeyObject } from 'node:crypto';
import { GetPublicKeyCommand, type KMSClient, SignCommand } from '@aws-sdk/client-kms';
import type { DigestSigningAlgorithm } from '../domain/audit-digest.js';
import type { DigestSigner } from '../domain/audit-digest-writer.js';

/** Signs digests with an asymmetric KMS key: the private key never leaves KMS. */
export class KmsDigestSigner implements DigestSigner {
  constructor(
    private readonly client: KMSClient,
    readonly keyId: string,
    readonly algorithm: DigestSigningAlgorithm,
  ) {}

  async sign(message: string): Promise<Buffer> {
    // RAW: KMS hashes the (short) signing string with SHA-256 itself; the same on AWS and moto.
    const output = await this.client.send(
      new SignCommand({
        KeyId: this.keyId,
        Message: Buffer.from(message),
        MessageType: 'RAW',
        SigningAlgorithm: this.algorithm,
      }),
    );
    if (!output.Signature) throw new Error('KMS returned no signature');
    return Buffer.from(output.Signature);
  }
}

/** The digest key's public half, as an auditor would fetch it once and pin it. */
export async function kmsPublicKey(client: KMSClient, keyId: string): Promise<KeyObject> {
  const output = await client.send(new GetPublicKeyCommand({ KeyId: keyId }));
  if (!output.PublicKey) throw new Error('KMS returned no public key');
  return createPublicKey({ key: Buffer.from(output.PublicKey), format: 'der', type: 'spki' });
}

/** A public key from PEM or base64 DER (what `aws kms get-public-key` prints). */
export function parsePublicKey(text: string | Buffer): KeyObject {
  const value = typeof text === 'string' ? text.trim() : text;
  if (typeof value === 'string' && value.startsWith('-----BEGIN')) return createPublicKey(value);
  const der = typeof value === 'string' ? Buffer.from(value, 'base64') : value;
  return createPublicKey({ key: der, format: 'der', type: 'spki' });
}
