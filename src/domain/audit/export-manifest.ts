import * as z from 'zod';
import type { ExportManifest } from './export.js';

const manifestSchema = z
  .object({
    version: z.literal(1),
    key: z.string().min(1),
    after: z.string().nullable(),
    through: z.string().min(1),
    records: z.number().int().min(0),
    unreadable: z.number().int().min(0),
    file: z.object({
      key: z.string().min(1),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      bytes: z.number().int().min(0),
    }),
  })
  .strict();

/** An export manifest as stored; undefined for anything else (nothing in it is trusted blindly). */
export function parseExportManifest(body: string): ExportManifest | undefined {
  try {
    const parsed = manifestSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
