import * as z from 'zod';

/**
 * GET /v1/admin/scope: what the caller administers. `all` for the admin role; otherwise the
 * slices it holds, by their bounds (ids and accounts), never their claim rules.
 */
export const adminScopeWire = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('all') }),
  z.object({
    kind: z.literal('slices'),
    slices: z.array(z.object({ name: z.string(), accounts: z.array(z.string()), ids: z.array(z.string()) })),
  }),
]);

export type AdminScopeWire = z.infer<typeof adminScopeWire>;
