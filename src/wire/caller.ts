import * as z from 'zod';
import { PRIVILEGED_ROLES } from '../domain/identity/roles.js';

/** GET /v1/me: who the API takes the caller for. The display name is shown beside the principal, never instead of it. */
export const callerWire = z.object({
  principal: z.string(),
  displayName: z.string(),
  roles: z.array(z.enum(PRIVILEGED_ROLES)),
  /** The admin slices the caller's token holds (none for an admin): write, or read only (a plan rule). */
  adminSlices: z.array(z.object({ name: z.string(), write: z.boolean() })),
});
export type CallerWire = z.infer<typeof callerWire>;
