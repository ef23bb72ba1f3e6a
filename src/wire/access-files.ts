import * as z from 'zod';
import { OWNERSHIP_PATTERN } from '../domain/access-code/ownership.js';
import { REQUESTABLE_ID, requestableBodyWire } from './access-requests.js';
import { ENTITLEMENT_ID, entitlementInputWire, subjectWire } from './entitlements.js';

/** A name for a subject, used by entitlements in any file of the directory. */
export const SUBJECT_NAME = /^[\w.-]{1,64}$/;

/** An entitlement in a file: the PUT /v1/entitlements/{id} body, its subject inline or by name. */
export const entitlementFileWire = entitlementInputWire.extend({
  subject: z.union([
    subjectWire,
    z.string().regex(SUBJECT_NAME, 'a name from a `subjects` section, or a subject object'),
  ]),
});

/**
 * One access file (YAML or JSON) of an access-as-code directory. Every section is optional;
 * the directory is all its files merged, and an id or subject name appears once in it.
 */
export const accessFileWire = z
  .object({
    $schema: z.string().optional().describe('this schema, for editors'),
    owns: z
      .array(
        z
          .string()
          .regex(OWNERSHIP_PATTERN, 'an id, or a prefix ending in *')
          .refine((p) => p !== '', 'an id, or a prefix ending in *'),
      )
      .max(100)
      .optional()
      .describe(
        'ids (exact, or a prefix ending in *) this directory owns: rows matching one that no file describes are deleted; other rows are left alone',
      ),
    subjects: z
      .record(
        z.string().regex(SUBJECT_NAME, 'subject names are 1-64 of letters, digits and _.-'),
        subjectWire,
      )
      .optional()
      .describe('named subjects (principals, groups, claim rules) entitlements refer to by name'),
    entitlements: z
      .record(
        z.string().regex(ENTITLEMENT_ID, 'entitlement ids are 1-128 of letters, digits and _.:@+=-'),
        entitlementFileWire,
      )
      .optional()
      .describe('entitlements by id, as PUT /v1/entitlements/{id} takes them'),
    requestables: z
      .record(
        z.string().regex(REQUESTABLE_ID, 'requestable ids are 1-128 of letters, digits and _.:@+=-'),
        requestableBodyWire,
      )
      .optional()
      .describe('requestable access by id, as PUT /v1/requestables/{id} takes it'),
  })
  .strict();
export type AccessFileWire = z.infer<typeof accessFileWire>;

/** The JSON Schema of an access file, published beside openapi.json. */
export function accessFileJsonSchema(): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(accessFileWire, { io: 'input', unrepresentable: 'any' });
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'access-files.schema.json',
    title: 'credvend access file',
    ...rest,
  };
}
