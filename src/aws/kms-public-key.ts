import { createPublicKey, type KeyObject } from 'node:crypto';
import { GetPublicKeyCommand, type KMSClient } from '@aws-sdk/client-kms';

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
