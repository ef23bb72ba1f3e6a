import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import * as z from 'zod';
import { callApi, parseBody } from '../api-client.js';
import { printJson, printTable, resolveTarget } from '../context.js';
import { CliError } from '../errors.js';
import { err, out } from '../terminal-text.js';
import { anyObject } from '../wire.js';

/** `v1` or `"v1"` (or a weak `W/"v1"`): an ETag as HTTP wants it, so nobody has to type the quotes. */
function entityTag(value: string): string {
  const trimmed = value.trim();
  return trimmed.startsWith('"') || trimmed.startsWith('W/') ? trimmed : `"${trimmed}"`;
}

export function registerAdminCommands(program: Command): void {
  const json = () => program.opts<{ json?: boolean }>().json === true;
  const entitlements = program.command('entitlements').description('manage entitlements (admin role)');

  entitlements.command('list').action(async () => {
    const all = await listAll(program, '/v1/entitlements', 'entitlements');
    if (json()) return printJson(all);
    printTable(
      all.map((e) => ({ ...e, subject: JSON.stringify(e.subject) })),
      ['id', 'subject', 'accountId', 'roleArn', 'maxDurationSeconds', 'version'],
    );
  });

  entitlements
    .command('get')
    .argument('<id>')
    .action(async (id: string) => {
      const response = await callApi(
        await resolveTarget(program),
        'GET',
        `/v1/entitlements/${encodeURIComponent(id)}`,
      );
      printJson({ ...parseBody(anyObject, response), etag: response.headers.get('etag') });
    });

  entitlements
    .command('put')
    .description('create, or replace with --if-match <etag>')
    .argument('<id>')
    .requiredOption('--file <path>', 'entitlement JSON ("-" for stdin)')
    .option('--if-match <etag>', 'the ETag you read; required to replace')
    .action(async (id: string, options: { file: string; ifMatch?: string }) => {
      const body = await readJsonInput(options.file);
      const response = await callApi(
        await resolveTarget(program),
        'PUT',
        `/v1/entitlements/${encodeURIComponent(id)}`,
        {
          body,
          headers: options.ifMatch ? { 'if-match': entityTag(options.ifMatch) } : {},
        },
      );
      const saved = parseBody(anyObject, response);
      printWarnings(saved);
      printJson({ ...saved, etag: response.headers.get('etag') });
    });

  program
    .command('revoke')
    .description('revoke an issuance: deny its sessions on the target role (admin)')
    .argument('<event-id|access-key-id>')
    .action(async (id: string) => {
      const result = parseBody(
        anyObject,
        await callApi(
          await resolveTarget(program),
          'POST',
          `/v1/audit/events/${encodeURIComponent(id)}/revoke`,
        ),
      );
      if (json()) return printJson(result);
      if (result.applied === true) out(`revoked: deny applied to ${String(result.roleArn)}\n`);
      else {
        out(`not applied: ${String(result.detail)}\n${JSON.stringify(result.policy, null, 2)}\n`);
        process.exitCode = 2;
      }
    });

  entitlements
    .command('delete')
    .argument('<id>')
    .requiredOption('--if-match <etag>', 'the ETag you read')
    .action(async (id: string, options: { ifMatch: string }) => {
      await callApi(await resolveTarget(program), 'DELETE', `/v1/entitlements/${encodeURIComponent(id)}`, {
        headers: { 'if-match': entityTag(options.ifMatch) },
      });
      if (!json()) out(`deleted ${id}\n`);
    });
}

const page = z.object({ nextCursor: z.string().optional() }).catchall(z.unknown());

/** Every item of a paged admin list (`{<key>: [...], nextCursor?}`), following the cursor. */
export async function listAll(
  program: Command,
  path: string,
  key: string,
): Promise<Array<Record<string, unknown>>> {
  const api = await resolveTarget(program);
  const items = z.array(anyObject);
  const all: Array<Record<string, unknown>> = [];
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({ limit: '1000', ...(cursor ? { cursor } : {}) });
    const body = parseBody(page, await callApi(api, 'GET', `${path}?${query}`));
    all.push(...items.parse(body[key] ?? []));
    cursor = body.nextCursor;
  } while (cursor);
  return all;
}

/** A JSON file's content, or stdin's for "-". */
export async function readJsonInput(path: string): Promise<unknown> {
  const text =
    path === '-'
      ? await readStdin()
      : await readFile(path, 'utf8').catch(() => {
          throw new CliError(`cannot read ${path}`);
        });
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(`${path} is not JSON`);
  }
}

/** The server's advice on a stored entitlement (a name without its immutable id, say), on stderr. */
export function printWarnings(saved: Record<string, unknown>): void {
  const warnings = Array.isArray(saved.warnings) ? saved.warnings : [];
  for (const warning of warnings) err(`credvend: warning: ${String(warning)}\n`);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}
