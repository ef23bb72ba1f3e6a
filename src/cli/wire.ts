import { z } from 'zod';

/** Shapes of the API answers the CLI reads. */
export const credentialsResponse = z.looseObject({
  eventId: z.string(),
  entitlementId: z.string(),
  accountId: z.string(),
  roleArn: z.string(),
  assumedRoleArn: z.string(),
  expiration: z.string(),
  credentials: z.object({
    accessKeyId: z.string().min(16),
    secretAccessKey: z.string().min(1),
    sessionToken: z.string().min(1),
    expiration: z.string(),
  }),
});
export type CredentialsResponse = z.infer<typeof credentialsResponse>;

export const entitlementsMine = z.object({
  entitlements: z.array(
    z.object({
      id: z.string(),
      accountId: z.string(),
      roleName: z.string(),
      maxDurationSeconds: z.number(),
      reasonRequired: z.boolean(),
      active: z.boolean(),
      description: z.string().optional(),
    }),
  ),
});

export const auditPage = z.object({
  events: z.array(z.record(z.string(), z.unknown())),
  nextCursor: z.string().optional(),
});

export const anyObject = z.record(z.string(), z.unknown());

export const consoleResponse = z.object({ eventId: z.string(), url: z.url(), expiration: z.string() });
