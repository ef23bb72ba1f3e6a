import type { Command } from 'commander';
import { callApi, parseBody } from '../api-client.js';
import { printJson, printTable, resolveTarget, toCsv } from '../context.js';
import { out } from '../terminal-text.js';
import { anyObject, auditPage } from '../wire.js';
import { registerAuditActivityCommand } from './audit-activity.js';
import { registerAuditVerifyCommands } from './audit-verify.js';

const COLUMNS = [
  'time',
  'outcome',
  'action',
  'principal',
  'accountId',
  'roleArn',
  'accessKeyId',
  'reason',
  'eventId',
];

export function registerAuditCommands(program: Command): void {
  const json = () => program.opts<{ json?: boolean }>().json === true;
  const audit = program.command('audit').description('query the audit log (auditor role)');

  audit
    .command('list')
    .option('--principal <principal>')
    .option('--account <accountId>')
    .option('--role <roleArn>')
    .option('--outcome <outcome>', 'issued | applied | denied | error')
    .option('--from <iso8601>')
    .option('--to <iso8601>')
    .option(
      '--limit <n>',
      'records to show, newest first (by outcome or unfiltered: within each shard)',
      '100',
    )
    .option('--csv', 'CSV on stdout')
    .action(async (options: Record<string, string | boolean | undefined>) => {
      const api = await resolveTarget(program);
      const wanted = Number(options.limit);
      const filters: Record<string, string> = {};
      for (const [option, param] of [
        ['principal', 'principal'],
        ['account', 'accountId'],
        ['role', 'roleArn'],
        ['outcome', 'outcome'],
        ['from', 'from'],
        ['to', 'to'],
      ] as const) {
        const value = options[option];
        if (typeof value === 'string') filters[param] = value;
      }
      const events: Array<Record<string, unknown>> = [];
      let cursor: string | undefined;
      do {
        const query = new URLSearchParams({
          ...filters,
          limit: String(Math.min(1000, wanted)),
          ...(cursor ? { cursor } : {}),
        });
        const page = parseBody(auditPage, await callApi(api, 'GET', `/v1/audit/events?${query}`));
        events.push(...page.events);
        cursor = page.nextCursor;
      } while (cursor && events.length < wanted);
      const shown = events.slice(0, wanted);
      if (options.csv) return void out(toCsv(shown, COLUMNS));
      if (json()) return printJson(shown);
      printTable(shown, COLUMNS.slice(0, 7));
    });

  audit
    .command('key')
    .description('which issuance produced this access key id')
    .argument('<accessKeyId>')
    .action(async (accessKeyId: string) => {
      const event = parseBody(
        anyObject,
        await callApi(
          await resolveTarget(program),
          'GET',
          `/v1/audit/access-keys/${encodeURIComponent(accessKeyId)}`,
        ),
      );
      if (json()) return printJson(event);
      printTable([event], ['time', 'principal', 'entitlementId', 'roleArn', 'reason', 'eventId']);
    });

  registerAuditActivityCommand(audit, program);
  registerAuditVerifyCommands(audit, program);
}
