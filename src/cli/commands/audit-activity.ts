import type { Command } from 'commander';
import { EVENT_ID_PATTERN } from '../../domain/shared/ids.js';
import { callApi, parseBody } from '../api-client.js';
import { printJson, printTable, resolveTarget, toCsv } from '../context.js';
import { CliError } from '../errors.js';
import { err, out } from '../terminal-text.js';
import { activity } from '../wire.js';

const ACCESS_KEY_ID = /^[A-Z0-9]{16,128}$/;
const GRANT_ID = /^(?:grant-)?([0-9A-HJKMNP-TV-Z]{26})$/;

const COLUMNS = ['time', 'service', 'action', 'resources', 'errorCode', 'sourceIp', 'attribution'];

/**
 * Which API path answers for what the user named. An audit event id and an access request id
 * are both ULIDs, so a grant is named as `credvend grants` prints it (`grant-<id>`) or with
 * `--grant`; a bare ULID is an issuance's event id; anything else must be an access key id.
 */
export function activityPath(target: string, asGrant: boolean): string {
  const grant = GRANT_ID.exec(target);
  if (grant && (asGrant || target.startsWith('grant-'))) {
    return `/v1/audit/activity?${new URLSearchParams({ accessRequest: grant[1] ?? '' })}`;
  }
  if (asGrant) throw new CliError(`${target} is not a grant id (grant-<26-character id>)`);
  if (EVENT_ID_PATTERN.test(target)) return `/v1/audit/events/${target}/activity`;
  if (ACCESS_KEY_ID.test(target)) return `/v1/audit/activity?${new URLSearchParams({ accessKeyId: target })}`;
  throw new CliError(`${target} is neither an audit event id, an access key id nor a grant (grant-<id>)`);
}

export function registerAuditActivityCommand(audit: Command, program: Command): void {
  audit
    .command('activity')
    .description('what issued credentials did, from CloudTrail (auditor role)')
    .argument('<target>', 'an issuance event id, an access key id, or a grant (grant-<id>)')
    .option('--grant', 'the target is an access request id: every session of its grant')
    .option('--csv', 'CSV on stdout')
    .action(async (target: string, options: { grant?: boolean; csv?: boolean }) => {
      const path = activityPath(target, options.grant === true);
      const answer = parseBody(activity, await callApi(await resolveTarget(program), 'GET', path));
      const rows = answer.records.map((r) => ({ ...r, resources: r.resources.join(' ') }));
      if (options.csv) return void out(toCsv(rows, [...COLUMNS, 'issuanceEventId']));
      if (program.opts<{ json?: boolean }>().json === true) return printJson(answer);
      printTable(rows, COLUMNS);
      if (answer.truncated) err('more calls were recorded than one answer carries (500 per issuance)\n');
    });
}
