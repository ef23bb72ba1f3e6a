import type { Command } from 'commander';
import { resolveCaller } from '../caller.js';
import { printJson, printTable, resolveTarget } from '../context.js';
import type { CachedEntry } from '../disk-cache.js';
import { sealedCache } from '../sealed-cache.js';
import { out } from '../terminal-text.js';
import { credentialsResponse } from '../wire.js';

/** One live session as `sessions` shows it: never a secret, only what names and ends it. */
function sessionRow(entry: CachedEntry) {
  let json: unknown;
  try {
    json = JSON.parse(entry.value);
  } catch {
    return undefined;
  }
  const answer = credentialsResponse.safeParse(json);
  if (!answer.success) return undefined;
  const { request } = entry.key;
  const target =
    typeof request.entitlement === 'string'
      ? request.entitlement
      : `${String(request.accountId)}/${String(request.roleName)}`;
  return {
    target,
    role: answer.data.roleArn,
    accessKeyId: answer.data.credentials.accessKeyId,
    expires: answer.data.credentials.expiration,
    issuance: answer.data.eventId,
  };
}

const sameApi = (a: string, b: string) => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

/** `credvend sessions [--clear]`: the caller's live credentials in this machine's cache. */
export function registerSessions(program: Command): void {
  program
    .command('sessions')
    .description('my live credentials cached here: target, expiry, issuance (--clear forgets them)')
    .option('--clear', 'forget them here (they stay valid at AWS until they expire)')
    .action(async (options: { clear?: boolean }) => {
      const api = await resolveTarget(program);
      const { principal } = await resolveCaller(api);
      const cache = await sealedCache(() => undefined);
      const mine = (await cache.live(api.profile)).filter(
        (e) => e.key.principal === principal && sameApi(e.key.apiUrl, api.apiUrl),
      );
      const rows = mine.map(sessionRow).filter((r) => r !== undefined);
      if (options.clear) {
        await Promise.all(mine.map((e) => cache.delete(e.key)));
        if (program.opts<{ json?: boolean }>().json) return printJson({ cleared: rows });
        return void out(
          `forgot ${rows.length} cached session(s); they stay valid at AWS until they expire (an admin can end one: credvend revoke <issuance>)\n`,
        );
      }
      if (program.opts<{ json?: boolean }>().json) return printJson(rows);
      if (rows.length === 0) return void out('no live sessions cached here\n');
      printTable(rows, ['target', 'role', 'accessKeyId', 'expires', 'issuance']);
    });
}
