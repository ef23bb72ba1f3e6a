import type { Command } from 'commander';
import { callApi, parseBody } from '../api-client.js';
import { printJson, resolveTarget } from '../context.js';
import { CliError } from '../errors.js';
import { err } from '../terminal-text.js';
import { policySuggestion } from '../wire.js';

/**
 * `credvend suggest-policy <entitlement>`: the session policy that allows what the
 * entitlement's sessions did, on stdout (ready for `credvend plan --session-policy` or an
 * entitlement's ceiling), and the server's verdict on stderr. Exit 2 when it does not narrow.
 */
export function registerSuggestPolicy(program: Command): void {
  program
    .command('suggest-policy')
    .description("a narrower session policy from what an entitlement's sessions did (admin role)")
    .argument('<entitlement>', 'entitlement id')
    .option('--days <n>', 'days of recorded activity to read (1-90)', '30')
    .action(async (id: string, options: { days: string }) => {
      if (!/^\d{1,2}$/.test(options.days)) throw new CliError('--days is a whole number of days, 1-90');
      const path = `/v1/entitlements/${encodeURIComponent(id)}/suggested-policy?days=${options.days}`;
      const suggestion = parseBody(
        policySuggestion,
        await callApi(await resolveTarget(program), 'GET', path),
      );
      if (program.opts<{ json?: boolean }>().json === true) printJson(suggestion);
      else if (suggestion.policy) printJson(suggestion.policy);
      const read = `${suggestion.callsRead} calls of ${suggestion.issuancesRead} issuances over ${suggestion.days} days${suggestion.truncated ? ' (the newest only)' : ''}`;
      err(
        suggestion.narrows
          ? `narrows ${id}'s ceiling (credvend's narrowing check): from ${read}\n`
          : `not offered as narrowing ${id}: ${suggestion.reason ?? 'unproven'} (${read})\n`,
      );
      if (!suggestion.narrows) process.exitCode = 2;
    });
}
