import type { Command } from 'commander';
import { grantEntitlementId, MIN_GRANT_SECONDS } from '../../domain/access-requests/lifecycle.js';
import { STS_LIMITS } from '../../domain/issuance/sts-limits.js';
import { callApi, parseBody } from '../api-client.js';
import { printJson, printTable, resolveTarget } from '../context.js';
import { DiskCredentialCache } from '../disk-cache.js';
import { CliError } from '../errors.js';
import { cacheDir } from '../paths.js';
import { startInstant } from '../start-time.js';
import { err, out } from '../terminal-text.js';
import { duration } from '../vend.js';
import {
  type AccessRequestWire,
  accessRequestWire as accessRequest,
  requestableListWire as requestableList,
  requestableWire,
  accessRequestListWire as requestList,
} from '../wire.js';
import { readJsonInput } from './admin.js';

/** A request's state, with what is special about it: break-glass, or an extension awaiting decisions. */
function stateText(r: AccessRequestWire): string {
  if (r.breakGlass) return `${r.state} (break-glass)`;
  const e = r.extension;
  if (e?.state === 'requested')
    return `${r.state}, extension +${e.durationSeconds}s (${e.approvals.length}/${r.quorum})`;
  return r.state;
}

function row(r: AccessRequestWire): Record<string, unknown> {
  return {
    id: r.id,
    requestable: r.requestable,
    requester: r.requester,
    state: stateText(r),
    approvals: `${r.approvals.length}/${r.quorum}`,
    start: r.grant?.start ?? r.start ?? '',
    until: r.grant?.end ?? '',
    reason: r.reason,
  };
}

const COLUMNS = ['id', 'requestable', 'requester', 'state', 'approvals', 'start', 'until', 'reason'];

interface RequestOptions {
  duration: string;
  reason: string;
  ticket?: string;
  start?: string;
}

/** A `--start` as the API takes it (an ISO 8601 instant); whether it is too early or too late is the API's to say. */
function start(text: string): string {
  const instant = startInstant(text, new Date());
  if (!instant)
    throw new CliError(`--start is "in 2h", a local time like 14:00, or an ISO 8601 date-time, not ${text}`);
  return instant.toISOString();
}

/** What a new request's answer says of its grant: when it starts (if later) and ends. */
function grantWindow(r: AccessRequestWire): string {
  if (r.grant)
    return Date.parse(r.grant.start) > Date.now()
      ? ` from ${r.grant.start} until ${r.grant.end}`
      : ` until ${r.grant.end}`;
  return r.start !== undefined ? ` (to start at ${r.start} once approved)` : '';
}

/**
 * A grant as `credvend grants` shows it: "ending" once less than STS's shortest session is
 * left (nothing more can be issued under it), and the target to type.
 */
export function grantRow(r: AccessRequestWire, now: Date): Record<string, unknown> {
  const end = r.grant ? Date.parse(r.grant.end) : Number.NaN;
  const ending = r.state === 'active' && end - now.getTime() < STS_LIMITS.minDurationSeconds * 1000;
  const scheduled =
    r.state === 'active' && r.grant !== undefined && Date.parse(r.grant.start) > now.getTime();
  return {
    id: r.id,
    requestable: r.requestable,
    state: scheduled ? 'scheduled' : ending ? 'ending' : r.state,
    from: r.grant?.start ?? '',
    until: r.grant?.end ?? '',
    use: r.grant ? `credvend creds ${r.grant.entitlement}` : '',
  };
}

const GRANT_COLUMNS = ['id', 'requestable', 'state', 'from', 'until', 'use'];

/** A revoked grant's credentials are of no use: this profile's cached ones are dropped. */
async function forgetGrant(program: Command, requestId: string): Promise<void> {
  const { profile } = program.opts<{ profile: string }>();
  const forgotten = await new DiskCredentialCache(cacheDir(), () => undefined).forgetEntitlement(
    profile,
    grantEntitlementId(requestId),
  );
  if (forgotten > 0) err(`credvend: dropped ${forgotten} cached credential(s) of the grant\n`);
}

/** `credvend request|requests|approve|deny|cancel|review|revoke-grant|grants|requestables`: just-in-time access. */
export function registerRequestCommands(program: Command): void {
  const json = () => program.opts<{ json?: boolean }>().json === true;
  const show = (list: AccessRequestWire[]) => (json() ? printJson(list) : printTable(list.map(row), COLUMNS));
  const list = async (view: string) => {
    const response = await callApi(await resolveTarget(program), 'GET', `/v1/access-requests?view=${view}`);
    show(parseBody(requestList, response).accessRequests);
  };

  program
    .command('request')
    .description('ask for requestable access for a while; approvers are notified')
    .argument('<requestable>', 'a requestable access id (credvend requestables)')
    .requiredOption('--duration <time>', 'how long: seconds, or 30m, 2h')
    .requiredOption('--reason <text>', 'why (recorded in the audit and shown to approvers)')
    .option('--ticket <ref>', 'a ticket reference, where the access requires one')
    .option('--start <time>', 'begin later: "in 2h", "14:00" (local) or an ISO 8601 date-time')
    .action(async (requestable: string, options: RequestOptions) => {
      const seconds = duration(options.duration);
      if (seconds < MIN_GRANT_SECONDS)
        throw new CliError(
          `--duration: a grant lasts at least ${MIN_GRANT_SECONDS / 60}m (STS's shortest session plus the SDKs' 15-minute refresh window)`,
        );
      const body = {
        requestable,
        durationSeconds: seconds,
        reason: options.reason,
        ...(options.ticket !== undefined ? { ticket: options.ticket } : {}),
        ...(options.start !== undefined ? { start: start(options.start) } : {}),
      };
      const response = await callApi(await resolveTarget(program), 'POST', '/v1/access-requests', { body });
      const created = parseBody(accessRequest, response);
      if (json()) return printJson(created);
      out(`${created.id} ${created.state}${grantWindow(created)}\n`);
    });

  program
    .command('requests')
    .description('my requests (default), requests I may approve, or break-glass grants to review')
    .option('--to-approve', 'pending requests I may decide')
    .option('--needs-review', 'break-glass grants awaiting review')
    .action(async (options: { toApprove?: boolean; needsReview?: boolean }) => {
      if (options.toApprove && options.needsReview) throw new CliError('give --to-approve or --needs-review');
      await list(options.toApprove ? 'to-approve' : options.needsReview ? 'needs-review' : 'mine');
    });

  program
    .command('grants')
    .description('my grants in force now or scheduled, and the `credvend creds` target each one is')
    .action(async () => {
      const response = await callApi(await resolveTarget(program), 'GET', '/v1/access-requests?view=grants');
      const grants = parseBody(requestList, response).accessRequests;
      if (json()) return printJson(grants);
      if (grants.length === 0) return void out('no grants in force\n');
      printTable(
        grants.map((g) => grantRow(g, new Date())),
        GRANT_COLUMNS,
      );
    });

  const steps: Array<[string, string, string]> = [
    ['approve', 'approve', 'approve a request (never your own)'],
    ['deny', 'deny', 'deny a request'],
    ['cancel', 'cancel', 'withdraw your own pending request'],
    ['review', 'review', 'record your review of a break-glass grant'],
    ['revoke-grant', 'revoke', 'end a grant early; sessions issued under it are revoked'],
    ['approve-extension', 'extension/approve', "approve a grant's extension (never your own)"],
    ['deny-extension', 'extension/deny', "deny a grant's extension; it ends when it did"],
    ['cancel-extension', 'extension/cancel', 'withdraw your own pending extension'],
  ];
  for (const [name, step, description] of steps) {
    program
      .command(name)
      .description(description)
      .argument('<id>', 'access request id')
      .option('--comment <text>', 'recorded in the audit')
      .action(async (id: string, options: { comment?: string }) => {
        const response = await callApi(
          await resolveTarget(program),
          'POST',
          `/v1/access-requests/${encodeURIComponent(id)}/${step}`,
          { body: options.comment !== undefined ? { comment: options.comment } : {} },
        );
        const done = parseBody(accessRequest, response);
        if (step === 'revoke') await forgetGrant(program, id);
        if (json()) return printJson(done);
        out(`${done.id} ${stateText(done)}\n`);
      });
  }

  program
    .command('extend')
    .description('ask to extend your grant in force; decided like a request, within its maximum')
    .argument('<id>', 'the access request id of the grant (credvend grants)')
    .requiredOption('--for <time>', 'how much longer: seconds, or 30m, 2h')
    .requiredOption('--reason <text>', 'why (recorded in the audit and shown to approvers)')
    .action(async (id: string, options: { for: string; reason: string }) => {
      const response = await callApi(
        await resolveTarget(program),
        'POST',
        `/v1/access-requests/${encodeURIComponent(id)}/extend`,
        { body: { durationSeconds: duration(options.for), reason: options.reason } },
      );
      const done = parseBody(accessRequest, response);
      if (json()) return printJson(done);
      out(`${done.id} ${stateText(done)}${done.grant ? ` until ${done.grant.end}` : ''}\n`);
    });

  const requestables = program
    .command('requestables')
    .description('access I may request (admins: all)')
    .action(async () => {
      const response = await callApi(await resolveTarget(program), 'GET', '/v1/requestables');
      const all = parseBody(requestableList, response).requestables;
      if (json()) return printJson(all);
      printTable(all, ['id', 'roleArn', 'maxGrantSeconds', 'quorum', 'breakGlass', 'description']);
    });
  requestables
    .command('put')
    .description('admin: create or replace requestable access from a JSON file')
    .argument('<id>')
    .requiredOption('--file <path>', 'the JSON body ("-" for stdin)')
    .option('--if-match <etag>', 'the ETag of the version being replaced')
    .action(async (id: string, options: { file: string; ifMatch?: string }) => {
      const response = await callApi(
        await resolveTarget(program),
        'PUT',
        `/v1/requestables/${encodeURIComponent(id)}`,
        {
          body: await readJsonInput(options.file),
          ...(options.ifMatch ? { headers: { 'if-match': options.ifMatch } } : {}),
        },
      );
      printJson({
        ...parseBody(requestableWire, response),
        etag: response.headers.get('etag'),
      });
    });
}
