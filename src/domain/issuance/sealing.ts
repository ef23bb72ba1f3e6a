import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/** An AES-256-GCM box: what is stored instead of the plaintext. */
export interface Sealed {
  iv: string;
  ciphertext: string;
  tag: string;
}

/**
 * Encryption for idempotent replays. The key is derived (HKDF-SHA-256) from the server's
 * secret, the caller's principal and the caller's Idempotency-Key — which is never stored
 * (only its hash is) — so the stored box opens only for that caller presenting that key
 * to a server holding that secret; read access to the table is not enough.
 */
export class IdempotencySealer {
  constructor(private readonly serverSecret: Buffer) {
    if (serverSecret.length < 32) throw new Error('the idempotency secret must be at least 32 bytes');
  }

  /**
   * HMAC-SHA-256 under a key derived from the server secret: what the table stores instead
   * of a bare SHA-256, so its hashes cannot be confirmed by guessing principals, keys or bodies.
   */
  digest(text: string): string {
    this.hashKey ??= Buffer.from(hkdfSync('sha256', this.serverSecret, '', 'credvend-idempotency-hash', 32));
    return createHmac('sha256', this.hashKey).update(text).digest('hex');
  }

  private hashKey: Buffer | undefined;

  private key(principal: string, idempotencyKey: string): Buffer {
    return Buffer.from(
      hkdfSync(
        'sha256',
        this.serverSecret,
        Buffer.from(principal),
        Buffer.from(`credvend-idempotency:${idempotencyKey}`),
        32,
      ),
    );
  }

  seal(principal: string, idempotencyKey: string, plaintext: string, associatedData: string): Sealed {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key(principal, idempotencyKey), iv);
    cipher.setAAD(Buffer.from(associatedData));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return {
      iv: iv.toString('base64'),
      ciphertext: ciphertext.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
    };
  }

  /** Throws when the box was made for another caller, key or request, or was altered. */
  open(principal: string, idempotencyKey: string, sealed: Sealed, associatedData: string): string {
    const decipher = createDecipheriv(
      'aes-256-gcm',
      this.key(principal, idempotencyKey),
      Buffer.from(sealed.iv, 'base64'),
    );
    decipher.setAAD(Buffer.from(associatedData));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([
      decipher.update(Buffer.from(sealed.ciphertext, 'base64')),
      decipher.final(),
    ]).toString('utf8');
  }
}
