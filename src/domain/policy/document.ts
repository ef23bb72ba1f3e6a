import * as z from '../../zod-mini.js';

// The IAM policy document as credvend accepts it; its own module so the shared domain types
// can name it without importing the narrowing proof (and, through it, the errors).
const text = z.string().check(z.minLength(1), z.maxLength(2048));
const stringOrList = z.union([text, z.array(text).check(z.minLength(1), z.maxLength(256))]);

const statementSchema = z
  .strictObject({
    Sid: z.optional(z.string().check(z.maxLength(128))),
    Effect: z.enum(['Allow', 'Deny']),
    Action: z.optional(stringOrList),
    NotAction: z.optional(stringOrList),
    Resource: z.optional(stringOrList),
    NotResource: z.optional(stringOrList),
    Condition: z.optional(z.record(z.string(), z.record(z.string(), z.unknown()))),
  })
  .check(
    z.refine((s) => (s.Action === undefined) !== (s.NotAction === undefined), {
      message: 'a statement needs exactly one of Action or NotAction',
    }),
    z.refine((s) => (s.Resource === undefined) !== (s.NotResource === undefined), {
      message: 'a statement needs exactly one of Resource or NotResource',
    }),
  );

/** Session policies may not name principals, so Principal/NotPrincipal are rejected by `z.strictObject`. */
export const policyDocumentSchema = z.strictObject({
  Version: z.literal('2012-10-17'),
  Id: z.optional(z.string().check(z.maxLength(128))),
  Statement: z.union([statementSchema, z.array(statementSchema).check(z.minLength(1), z.maxLength(100))]),
});

export type PolicyDocument = z.infer<typeof policyDocumentSchema>;
export type PolicyStatement = z.infer<typeof statementSchema>;
