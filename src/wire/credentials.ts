import * as z from '../zod-mini.js';
import { isoInstant, policyDocumentWire } from './common.js';
import { CREDENTIAL_FORMATS } from './credential-format-names.js';

/** POST /v1/credentials and POST /v1/credentials/plan: the request body. */
export const issuanceRequestWire = z
  .strictObject({
    entitlement: z.optional(
      z
        .string()
        .check(
          z.minLength(1),
          z.maxLength(128),
          z.regex(/^[\w.:@/+=-]+$/, 'letters, digits and _.:@/+=- only'),
        ),
    ),
    accountId: z.optional(z.string().check(z.regex(/^\d{12}$/, 'a 12-digit AWS account id'))),
    roleName: z.optional(z.string().check(z.regex(/^[\w+=,.@-]{1,64}$/, 'an IAM role name'))),
    // Range is checked by planning, which names the STS limit in its error.
    durationSeconds: z.optional(z.number().check(z.int(), z.positive())),
    sessionPolicy: z.optional(z.union([z.string().check(z.maxLength(10_240)), policyDocumentWire])),
    reason: z.optional(z.string().check(z.maxLength(1024))),
    format: z._default(z.enum(CREDENTIAL_FORMATS), 'json'),
  })
  .check(
    z.superRefine((body, ctx) => {
      const byId = body.entitlement !== undefined;
      const byRole = body.accountId !== undefined || body.roleName !== undefined;
      if (byId === byRole) {
        ctx.addIssue({
          code: 'custom',
          message: 'give either entitlement, or accountId and roleName',
          path: [],
        });
      } else if (byRole && (body.accountId === undefined || body.roleName === undefined)) {
        ctx.addIssue({ code: 'custom', message: 'accountId and roleName go together', path: [] });
      }
    }),
  );

/** `format: json` (the default): credvend's own shape. */
export const credentialsResponseWire = z.object({
  eventId: z.string(),
  entitlementId: z.string(),
  accountId: z.string(),
  roleArn: z.string(),
  assumedRoleArn: z.string(),
  sessionName: z.string(),
  sourceIdentity: z.string(),
  durationSeconds: z.number().check(z.int()),
  expiration: isoInstant,
  credentials: z.object({
    accessKeyId: z.string().check(z.minLength(16)),
    secretAccessKey: z.string().check(z.minLength(1)),
    sessionToken: z.string().check(z.minLength(1)),
    expiration: isoInstant,
  }),
});
export type CredentialsResponseWire = z.infer<typeof credentialsResponseWire>;

/** `format: credential_process`: the AWS CLI/SDK `credential_process` contract (Version 1). */
export const processCredentialsWire = z.object({
  Version: z.literal(1),
  AccessKeyId: z.string().check(z.minLength(16)),
  SecretAccessKey: z.string().check(z.minLength(1)),
  SessionToken: z.string().check(z.minLength(1)),
  Expiration: isoInstant,
});
export type ProcessCredentialsWire = z.infer<typeof processCredentialsWire>;

/** `format: container`: the container-credentials endpoint shape the SDKs' HTTP provider reads. */
export const containerCredentialsWire = z.object({
  AccessKeyId: z.string().check(z.minLength(16)),
  SecretAccessKey: z.string().check(z.minLength(1)),
  Token: z.string().check(z.minLength(1)),
  Expiration: isoInstant,
  RoleArn: z.string(),
});
export type ContainerCredentialsWire = z.infer<typeof containerCredentialsWire>;

/** `format: console`: a console sign-in URL for the issued session. */
export const consoleResponseWire = z.object({ eventId: z.string(), url: z.url(), expiration: isoInstant });
export type ConsoleResponseWire = z.infer<typeof consoleResponseWire>;

/** What POST /v1/credentials answers in JSON, by the request's `format` (`env` is text/plain). */
export const issuedCredentialsWire = z.union([
  credentialsResponseWire,
  processCredentialsWire,
  containerCredentialsWire,
  consoleResponseWire,
]);
