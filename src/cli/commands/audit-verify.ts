import type { Command } from 'commander';
import * as z from 'zod';
import { parsePublicKey } from '../../aws/kms-public-key.js';
import { verifyAgainstDigests } from '../../domain/audit/digest-verify.js';
import { auditEventJsonSchema } from '../../domain/audit/event-schema.js';
import { callApi, parseBody } from '../api-client.js';
import { printJson, resolveTarget } from '../context.js';
import {
  DirectoryDigestSource,
  type ExportContents,
  readPublicKeyFile,
  readRecords,
  readTableExport,
} from '../offline-audit.js';
import { out } from '../terminal-text.js';

/** The verification report as the API sends it. */
const verificationReport = z.object({
  ok: z.boolean(),
  from: z.string(),
  to: z.string(),
  chainsChecked: z.number(),
  recordsChecked: z.number(),
  anchoring: z.string().optional(),
  digestsChecked: z.number().optional(),
  anchoredRecords: z.number().optional(),
  unanchoredRecords: z.number().optional(),
  findings: z
    .array(
      z.object({
        kind: z.string(),
        severity: z.string(),
        detail: z.string(),
        chainId: z.string().optional(),
        seq: z.number().optional(),
        eventId: z.string().optional(),
        digestKey: z.string().optional(),
      }),
    )
    .default([]),
  findingsOmitted: z.number().optional(),
});
type VerificationReport = z.infer<typeof verificationReport>;

/** One line per finding, record by record; exit code 2 when anything is broken. */
function printReport(report: VerificationReport, json: boolean): void {
  if (json) printJson(report);
  else {
    const lines = report.findings.map((f) => {
      const where = [
        f.chainId ? `chain ${f.chainId}` : '',
        f.seq !== undefined ? `seq ${f.seq}` : '',
        f.eventId ? `event ${f.eventId}` : '',
        f.digestKey ? `digest ${f.digestKey}` : '',
      ].filter(Boolean);
      const label = f.severity === 'error' ? 'BROKEN' : f.severity === 'warning' ? 'WARNING' : 'note';
      return `${label} ${f.kind}: ${where.join(', ')}: ${f.detail}\n`;
    });
    out(lines.join(''));
    if (report.findingsOmitted) out(`… ${report.findingsOmitted} more findings\n`);
    const anchored =
      report.anchoring === 'digests'
        ? `, ${report.anchoredRecords ?? 0} anchored by ${report.digestsChecked ?? 0} digests, ${report.unanchoredRecords ?? 0} newer than the last digest`
        : ' (chain links only: no digests configured)';
    out(
      `${report.ok ? 'ok' : 'BROKEN'}: ${report.chainsChecked} chains, ${report.recordsChecked} records${anchored}\n`,
    );
  }
  if (!report.ok) process.exitCode = 2;
}

interface OfflineOptions {
  digests: string;
  publicKey: string;
  from: string;
  to?: string;
}

/** Records read from a file, judged against a copy of the digest bucket and the public key alone. */
export async function verifyOffline({ records, errors }: ExportContents, options: OfflineOptions) {
  return verifyAgainstDigests({
    from: options.from,
    to: options.to ?? new Date().toISOString(),
    records,
    exportErrors: errors,
    digests: new DirectoryDigestSource(options.digests),
    publicKey: parsePublicKey(await readPublicKeyFile(options.publicKey)),
  });
}

export function registerAuditVerifyCommands(audit: Command, program: Command): void {
  const json = () => program.opts<{ json?: boolean }>().json === true;

  audit
    .command('verify')
    .description('check the hash chains against the signed digests (server side)')
    .option('--from <iso8601>')
    .option('--to <iso8601>')
    .action(async (options: { from?: string; to?: string }) => {
      const query = new URLSearchParams({
        ...(options.from ? { from: options.from } : {}),
        ...(options.to ? { to: options.to } : {}),
      });
      const response = await callApi(await resolveTarget(program), 'GET', `/v1/audit/verify?${query}`);
      printReport(parseBody(verificationReport, response), json());
    });

  audit
    .command('verify-offline')
    .description('verify an NDJSON export against a copy of the digest bucket, trusting only the public key')
    .requiredOption(
      '--records <paths...>',
      'NDJSON export (GET /v1/audit/events?format=ndjson), and/or a copy of the bucket holding the records past the hot window',
    )
    .requiredOption('--digests <dir>', 'a copy of the digest bucket (aws s3 sync s3://BUCKET DIR)')
    .requiredOption('--public-key <file>', 'the digest key: PEM, or base64 DER from aws kms get-public-key')
    .option('--from <iso8601>', 'start of the range to judge', new Date(0).toISOString())
    .option('--to <iso8601>', 'end of the range to judge (default: now)')
    .action(async (options: OfflineOptions & { records: string[] }) =>
      printReport(await verifyOffline(await readRecords(options.records), options), json()),
    );

  audit
    .command('verify-export')
    .description(
      'verify a DynamoDB export of the audit table (a backup or point-in-time restore) against a copy of the digest bucket',
    )
    .requiredOption(
      '--export <dir>',
      'the export, copied: aws s3 sync s3://BUCKET/PREFIX/AWSDynamoDB/EXPORT_ID/ DIR',
    )
    .requiredOption('--digests <dir>', 'a copy of the digest bucket (aws s3 sync s3://BUCKET DIR)')
    .requiredOption('--public-key <file>', 'the digest key: PEM, or base64 DER from aws kms get-public-key')
    .option('--from <iso8601>', 'start of the range to judge', new Date(0).toISOString())
    .option('--to <iso8601>', 'end of the range to judge (default: now)')
    .action(async (options: OfflineOptions & { export: string }) =>
      printReport(await verifyOffline(await readTableExport(options.export), options), json()),
    );

  audit
    .command('event-schema')
    .description('the JSON Schema of the detail of credvend events (EventBridge)')
    .action(() => printJson(auditEventJsonSchema()));
}
