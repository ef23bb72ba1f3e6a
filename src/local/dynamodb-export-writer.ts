import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type AttributeValue, type DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';

/**
 * The stand-in for DynamoDB's export to S3, which DynamoDB Local does not have: the same
 * layout (`manifest-summary.json`, `manifest-files.json`, gzipped `data/*.json.gz` of
 * `{"Item": …}` lines) written from a Scan into `dir`, so the restore drill reads locally
 * exactly what it reads from a real export (src/aws/dynamodb-export.ts).
 */

/** Binary attributes as the export writes them: base64. */
function exportJson(value: AttributeValue): unknown {
  if (value.B) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (value.L) return { L: value.L.map(exportJson) };
  if (value.M) return { M: Object.fromEntries(Object.entries(value.M).map(([k, v]) => [k, exportJson(v)])) };
  return value;
}

const ITEMS_PER_FILE = 1000;

export async function writeDynamoDbExport(
  client: DynamoDBClient,
  table: string,
  dir: string,
): Promise<number> {
  const exportId = `${Date.now()}-${randomUUID().slice(0, 8)}`;
  await mkdir(join(dir, 'data'), { recursive: true });
  const lines: string[] = [];
  for await (const page of paginateScan({ client }, { TableName: table, ConsistentRead: true })) {
    for (const item of page.Items ?? [])
      lines.push(
        JSON.stringify({
          Item: Object.fromEntries(Object.entries(item).map(([k, v]) => [k, exportJson(v)])),
        }),
      );
  }
  // An empty table still has one (empty) data file, as a real export does.
  const chunks: string[][] = [];
  for (let start = 0; start < lines.length; start += ITEMS_PER_FILE)
    chunks.push(lines.slice(start, start + ITEMS_PER_FILE));
  if (chunks.length === 0) chunks.push([]);
  const manifest: string[] = [];
  for (const chunk of chunks) {
    const file = `data/${randomUUID()}.json.gz`;
    await writeFile(join(dir, file), gzipSync(chunk.map((line) => `${line}\n`).join('')));
    manifest.push(
      JSON.stringify({ itemCount: chunk.length, dataFileS3Key: `AWSDynamoDB/${exportId}/${file}` }),
    );
  }
  await writeFile(join(dir, 'manifest-files.json'), `${manifest.join('\n')}\n`);
  await writeFile(
    join(dir, 'manifest-summary.json'),
    JSON.stringify({
      exportArn: `local:${table}/${exportId}`,
      tableName: table,
      itemCount: lines.length,
      outputFormat: 'DYNAMODB_JSON',
    }),
  );
  return lines.length;
}
