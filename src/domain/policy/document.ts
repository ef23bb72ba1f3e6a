import * as z from 'zod';

// The IAM policy document as credvend accepts it; its own module so the shared domain types
// can name it without importing the narrowing proof (and, through it, the errors).
const stringOrList = z.union([
  z.string().min(1).max(2048),
  z.array(z.string().min(1).max(2048)).min(1).max(256),
]);

const statementSchema = z
  .object({
    Sid: z.string().max(128).optional(),
    Effect: z.enum(['Allow', 'Deny']),
    Action: stringOrList.optional(),
    NotAction: stringOrList.optional(),
    Resource: stringOrList.optional(),
    NotResource: stringOrList.optional(),
    Condition: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  })
  .strict()
  .refine((s) => (s.Action === undefined) !== (s.NotAction === undefined), {
    message: 'a statement needs exactly one of Action or NotAction',
  })
  .refine((s) => (s.Resource === undefined) !== (s.NotResource === undefined), {
    message: 'a statement needs exactly one of Resource or NotResource',
  });

/** Session policies may not name principals, so Principal/NotPrincipal are rejected by `.strict()`. */
export const policyDocumentSchema = z
  .object({
    Version: z.literal('2012-10-17'),
    Id: z.string().max(128).optional(),
    Statement: z.union([statementSchema, z.array(statementSchema).min(1).max(100)]),
  })
  .strict();

export type PolicyDocument = z.infer<typeof policyDocumentSchema>;
export type PolicyStatement = z.infer<typeof statementSchema>;
