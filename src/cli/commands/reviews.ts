import type { Command } from 'commander';
import {
  type ReviewWire,
  reviewDetailWire,
  reviewItemWire,
  reviewListWire,
  reviewWire,
  unusedAccessWire,
} from '../../wire/reviews.js';
import { callApi, parseBody } from '../api-client.js';
import { printJson, printTable, resolveTarget } from '../context.js';
import { CliError } from '../errors.js';
import { err, out } from '../terminal-text.js';

/** `all`, `account:<id>`, `role:<arn>` or `subject:<key>` → the API's scope. */
function scopeOf(text: string): Record<string, string> {
  if (text === 'all') return { kind: 'all' };
  const colon = text.indexOf(':');
  const kind = text.slice(0, colon);
  const value = text.slice(colon + 1);
  if (colon > 0 && value !== '') {
    if (kind === 'account') return { kind, accountId: value };
    if (kind === 'role') return { kind, roleArn: value };
    if (kind === 'subject') return { kind, subject: value };
  }
  throw new CliError('--scope is all, account:<id>, role:<arn> or subject:<subject key>');
}

/** An ISO instant, or `<n>d` / `<n>h` from now. */
function instantOf(text: string, option: string): string {
  const relative = /^(\d{1,3})([dh])$/.exec(text);
  if (relative) {
    const hours = Number(relative[1]) * (relative[2] === 'd' ? 24 : 1);
    return new Date(Date.now() + hours * 3_600_000).toISOString();
  }
  const date = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(date.getTime()))
    throw new CliError(`${option} takes a date (2026-12-31 or an ISO time) or a span from now (14d, 36h)`);
  return date.toISOString();
}

function printReview(r: ReviewWire): void {
  printTable(
    [
      {
        ...r,
        scope: r.scope.kind === 'all' ? 'all' : Object.values(r.scope).join(':'),
        reviewers: r.reviewers.join(', '),
      },
    ],
    ['id', 'state', 'scope', 'items', 'deadline', 'deadlineDefault', 'reviewers'],
  );
}

/** `credvend reviews …`: access reviews (admins open and close; named reviewers decide). */
export function registerReviewCommands(program: Command): void {
  const reviews = program
    .command('reviews')
    .description('access reviews: open, decide and close; the unused-access report');
  const json = () => program.opts<{ json?: boolean }>().json === true;

  reviews
    .command('open')
    .description(
      'open a review of the standing access in a scope (admin role, or a slice admin over its own rows)',
    )
    .requiredOption('--scope <scope>', 'all, account:<id>, role:<arn> or subject:<subject key>')
    .requiredOption('--reviewer <name...>', '<issuer>#<sub> or an IAM role, user or root ARN (repeatable)')
    .requiredOption('--deadline <when>', 'a date or ISO time, or a span from now (14d, 36h)')
    .requiredOption('--default <decision>', 'what undecided items get at the deadline: keep or remove')
    .option('--description <text>', 'what the review is for (shown to reviewers)')
    .action(
      async (options: {
        scope: string;
        reviewer: string[];
        deadline: string;
        default: string;
        description?: string;
      }) => {
        if (options.default !== 'keep' && options.default !== 'remove')
          throw new CliError('--default is keep or remove');
        const body = {
          scope: scopeOf(options.scope),
          reviewers: options.reviewer,
          deadline: instantOf(options.deadline, '--deadline'),
          deadlineDefault: options.default,
          ...(options.description !== undefined ? { description: options.description } : {}),
        };
        const review = parseBody(
          reviewWire,
          await callApi(await resolveTarget(program), 'POST', '/v1/reviews', { body }),
        );
        if (json()) return printJson(review);
        printReview(review);
      },
    );

  reviews
    .command('list')
    .description('open reviews (admins: all; others: those naming them as a reviewer)')
    .option('--closed', 'closed reviews instead')
    .action(async (options: { closed?: boolean }) => {
      const path = `/v1/reviews?state=${options.closed ? 'closed' : 'open'}`;
      const list = parseBody(reviewListWire, await callApi(await resolveTarget(program), 'GET', path));
      if (json()) return printJson(list);
      for (const r of list.reviews) printReview(r);
    });

  reviews
    .command('show')
    .description('a review: each item with its entitlement now, its evidence and its decision')
    .argument('<review-id>')
    .action(async (id: string) => {
      const shown = parseBody(
        reviewDetailWire,
        await callApi(await resolveTarget(program), 'GET', `/v1/reviews/${encodeURIComponent(id)}`),
      );
      if (json()) return printJson(shown);
      printReview(shown.review);
      out('\n');
      printTable(
        shown.items.map((i) => ({
          entitlementId: i.entitlementId,
          version: i.entitlement ? `v${i.entitlement.version}` : 'gone',
          subject: i.subject,
          roleArn: i.roleArn,
          lastIssuance: i.evidence?.lastIssuance ?? 'none in 90 days',
          issuancesIn90Days: i.evidence?.issuancesIn90Days ?? 0,
          decision: i.decision
            ? `${i.decision.decision}${i.decision.until ? ` until ${i.decision.until}` : ''} by ${i.decision.by} (${i.decision.outcome ?? 'applying'})`
            : 'undecided',
        })),
        ['entitlementId', 'version', 'subject', 'roleArn', 'lastIssuance', 'issuancesIn90Days', 'decision'],
      );
    });

  reviews
    .command('decide')
    .description('decide an item: keep, keep-until (ends then) or remove (at once); never your own access')
    .argument('<review-id>')
    .argument('<entitlement-id>')
    .argument('<decision>', 'keep, keep-until or remove')
    .option('--until <when>', 'keep-until: a date or ISO time, or a span from now (30d)')
    .option('--note <text>', 'why (recorded in the audit)')
    .option(
      '--if-match <etag>',
      'the entitlement version you read ("v3"); default: the version the review opened on',
    )
    .action(
      async (
        id: string,
        entitlementId: string,
        decision: string,
        options: { until?: string; note?: string; ifMatch?: string },
      ) => {
        const body = {
          decision,
          ...(options.until !== undefined ? { until: instantOf(options.until, '--until') } : {}),
          ...(options.note !== undefined ? { note: options.note } : {}),
        };
        const item = parseBody(
          reviewItemWire,
          await callApi(
            await resolveTarget(program),
            'POST',
            `/v1/reviews/${encodeURIComponent(id)}/items/${encodeURIComponent(entitlementId)}`,
            { body, ...(options.ifMatch ? { headers: { 'if-match': options.ifMatch } } : {}) },
          ),
        );
        if (json()) return printJson(item);
        out(
          `${item.entitlementId}: ${item.decision?.decision ?? decision} (${item.decision?.outcome ?? 'applying'})\n`,
        );
      },
    );

  reviews
    .command('close')
    .description('close a review now: undecided items get its default (admin role)')
    .argument('<review-id>')
    .action(async (id: string) => {
      const review = parseBody(
        reviewWire,
        await callApi(await resolveTarget(program), 'POST', `/v1/reviews/${encodeURIComponent(id)}/close`),
      );
      if (json()) return printJson(review);
      printReview(review);
    });

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
