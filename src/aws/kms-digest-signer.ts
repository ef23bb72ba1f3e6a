import { type KMSClient, SignCommand } from '@aws-sdk/client-kms';
import type { DigestSigningAlgorithm } from '../domain/audit/digest.js';
import type { DigestSigner } from '../domain/audit/digest-writer.js';

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
