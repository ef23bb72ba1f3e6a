import * as z from '../zod-mini.js';

/** An IAM user's access key: what the vending user's secret holds, and nothing else. */
export interface VendingKey {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The secret's JSON, as the rotation function writes it (the field names IAM itself uses). */
const secretSchema = z.object({
  AccessKeyId: z.string().check(z.regex(/^[A-Z0-9]{16,128}$/)),
  SecretAccessKey: z.string().check(z.minLength(16), z.maxLength(128)),
});

class VendingKeyUnreadableError extends Error {
  override readonly name = 'VendingKeyUnreadableError';
}

/**
 * The key in a secret version, refused when absent or malformed (the secret a new stack
 * creates holds none until its first rotation). The message never quotes the secret.
 */
export function parseVendingKey(secretString: string | undefined, what: string): VendingKey {
  let json: unknown;
  try {
    json = JSON.parse(secretString ?? '');
  } catch {
    throw new VendingKeyUnreadableError(`${what} holds no JSON access key`);
  }
  const parsed = secretSchema.safeParse(json);
  if (!parsed.success)
    throw new VendingKeyUnreadableError(`${what} holds no AccessKeyId/SecretAccessKey pair`);
  return { accessKeyId: parsed.data.AccessKeyId, secretAccessKey: parsed.data.SecretAccessKey };
}

export function serializeVendingKey(key: VendingKey): string {
  return JSON.stringify({ AccessKeyId: key.accessKeyId, SecretAccessKey: key.secretAccessKey });
}
