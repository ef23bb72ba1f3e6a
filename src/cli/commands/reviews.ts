import type { Command } from 'commander';
import { unusedAccessWire } from '../../wire/reviews.js';
import { callApi, parseBody } from '../api-client.js';
import { printJson, printTable, resolveTarget } from '../context.js';
import { CliError } from '../errors.js';
import { err } from '../terminal-text.js';

/** `credvend reviews …`: reviewing standing access (admin role). */
export function registerReviewCommands(program: Command): void {
  const reviews = program.command('reviews').description('review standing access (admin role)');

  reviews
    .command('unused')
    .description('standing entitlements with no issuance in N days, with their evidence from the audit')
    .option('--days <n>', 'unused for this many days (1-400)', '90')
    .option('--account-id <id>', 'only this account')
    .action(async (options: { days: string; accountId?: string }) => {
      if (!/^\d{1,3}$/.test(options.days)) throw new CliError('--days takes a number of days, 1-400');
      const query = new URLSearchParams({
        days: options.days,
        ...(options.accountId ? { accountId: options.accountId } : {}),
      });
      const report = parseBody(
        unusedAccessWire,
        await callApi(await resolveTarget(program), 'GET', `/v1/reviews/unused?${query}`),
      );
      if (program.opts<{ json?: boolean }>().json) return printJson(report);
      printTable(
        report.entitlements.map((e) => ({
          ...e,
          subject: typeof e.subject === 'string' ? e.subject : JSON.stringify(e.subject),
          lastIssuance: e.lastIssuance ?? `none since ${report.from.slice(0, 10)}`,
          added: e.added ? `${e.added.by} ${e.added.at.slice(0, 10)}` : `before ${report.from.slice(0, 10)}`,
        })),
        ['id', 'accountId', 'roleArn', 'subject', 'lastIssuance', 'issuancesIn90Days', 'added'],
      );
      for (const account of report.partialAccounts)
        err(
          `credvend: warning: account ${account} has more audit records than the report reads; its rows may have been used\n`,
        );
    });
}
