import * as z from 'zod';
import type { Profile } from '../config-store.js';

// The sign-in file's shape, apart from reading and refreshing it, so the OAuth flows can
// name it without importing session.ts (which loads them lazily).
export type LoginAuth = Extract<Profile['auth'], { type: 'login' }>;

export const sessionSchema = z.object({
  issuer: z.string(),
  clientId: z.string(),
  accessToken: z.string().min(1),
  idToken: z.string().optional(),
  refreshToken: z.string().optional(),
  /** Epoch ms when the access token expires (from `expires_in`). */
  expiresAt: z.number(),
  /** The IdP's endpoints, kept so a refresh needs no discovery request. */
  serverMetadata: z.object({
    issuer: z.string(),
    token_endpoint: z.string(),
    revocation_endpoint: z.string().optional(),
    authorization_endpoint: z.string().optional(),
    device_authorization_endpoint: z.string().optional(),
    jwks_uri: z.string().optional(),
    id_token_signing_alg_values_supported: z.array(z.string()).optional(),
  }),
});
export type StoredSession = z.infer<typeof sessionSchema>;
