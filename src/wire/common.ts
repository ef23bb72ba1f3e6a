import * as z from '../zod-mini.js';

/** ISO-8601 instants as credvend writes them (UTC, `Z`). */
export const isoInstant = z.iso.datetime({ offset: true });

/** An IAM policy document as it travels on the wire; its grammar is checked in the domain. */
export const policyDocumentWire = z.record(z.string(), z.unknown());
