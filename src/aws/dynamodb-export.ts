import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import * as z from 'zod';

/**
 * DynamoDB's export to S3 in DYNAMODB_JSON (`aws dynamodb export-table-to-point-in-time
 * --export-format DYNAMODB_JSON`), as copied to a directory (`aws s3 sync
 * s3://<bucket>/<prefix>/AWSDynamoDB/<export id>/ <dir>`): `manifest-files.json` lists the
 * data files, one JSON object a line; each data file under `data/` is gzipped lines
 * `{"Item": {…}}` in DynamoDB's attribute-value JSON. What it holds is exactly the table's
 * items at the export time: the input of a restore drill.
 */

type Item = Record<string, AttributeValue>;

/** DynamoDB's attribute-value JSON, every kind a table can hold. */
const attributeValue: z.ZodType<AttributeValue> = z.lazy(() =>
  z.union([
    z.object({ S: z.string() }).strict(),
    z.object({ N: z.string() }).strict(),
    z.object({ B: z.string().transform((b) => Buffer.from(b, 'base64')) }).strict(),
    z.object({ BOOL: z.boolean() }).strict(),
    z.object({ NULL: z.literal(true) }).strict(),
    z.object({ SS: z.array(z.string()) }).strict(),
    z.object({ NS: z.array(z.string()) }).strict(),
    z.object({ BS: z.array(z.string().transform((b) => Buffer.from(b, 'base64'))) }).strict(),
    z.object({ L: z.array(attributeValue) }).strict(),
    z.object({ M: z.record(z.string(), attributeValue) }).strict(),
  ]),
);

const exportLine = z.object({ Item: z.record(z.string(), attributeValue) });
const manifestLine = z.object({ dataFileS3Key: z.string().min(1), itemCount: z.number().int().min(0) });

/** The data file `key` names, inside the synced directory (keys are full S3 keys). */
function localPath(dir: string, key: string): string {
  const at = key.lastIndexOf('data/');
  if (at < 0) throw new Error(`manifest-files.json: ${key} is not under data/`);
  return join(dir, key.slice(at));
}

/**
 * Every item of the export in `dir`. A data file holding fewer or more items than the
 * manifest says, or a line that is not an item, is an error naming the file and line: a
 * drill must not pass on a partial copy.
 */
export async function readDynamoDbExport(dir: string): Promise<Item[]> {
  const manifest = (await readFile(join(dir, 'manifest-files.json'), 'utf8'))
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      const parsed = manifestLine.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`manifest-files.json:${index + 1}: not a data file entry`);
      return parsed.data;
    });
  const items: Item[] = [];
  for (const { dataFileS3Key, itemCount } of manifest) {
    const path = localPath(dir, dataFileS3Key);
    const lines = gunzipSync(await readFile(path))
      .toString('utf8')
      .split('\n')
      .filter((line) => line.trim() !== '');
    if (lines.length !== itemCount)
      throw new Error(`${path}: ${lines.length} items, the manifest says ${itemCount}`);
    lines.forEach((line, index) => {
      const parsed = exportLine.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`${path}:${index + 1}: not an exported item`);
      items.push(parsed.data.Item);
    });
  }
  return items;
}
