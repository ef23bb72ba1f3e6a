import type { Command } from 'commander';
import { decodeJwt } from 'jose';
import * as z from 'zod';
import { callApi, parseBody } from '../api-client.js';
import { printJson, printTable, resolveTarget } from '../context.js';
import { CliError } from '../errors.js';
import { out } from '../terminal-text.js';
import { anyObject } from '../wire.js';
import { listAll, printWarnings, readJsonInput } from './admin.js';

const explanation = z.object({
  subjectKeys: z.array(z.string()),
  rows: z.array(anyObject),
  grants: z.array(anyObject),
});

interface CreateOptions {
  issuer: string;
  group?: string;
  claim: string[];
  accountId: string;
  roleArn: string;
  maxDuration: string;
  deny?: boolean;
  claimTag: string[];
  description?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function pairs(values: readonly string[], flag: string): Record<string, string> {
  return Object.fromEntries(
    values.map((value) => {
      const at = value.indexOf('=');
      if (at < 1) throw new CliError(`${flag} takes name=value, not ${value}`);
      return [value.slice(0, at), value.slice(at + 1)];
    }),
  );
}

/** `credvend subjects`: group and claim-rule subjects, listed, created and explained (admin role). */
export function registerSubjectCommands(program: Command): void {
  const json = () => program.opts<{ json?: boolean }>().json === true;
  const subjects = program.command('subjects').description('group and claim-rule subjects (admin role)');

  subjects.command('list').action(async () => {
    const all = await listAll(program, '/v1/subjects', 'subjects');
    if (json()) return printJson(all);
    printTable(
      all.map((s) => ({ ...s, subject: JSON.stringify(s.subject), entitlements: String(s.entitlements) })),
      ['kind', 'subject', 'entitlements'],
    );
  });

  subjects
    .command('create')
    .description(
      'grant a role to an IdP group (--group) or to tokens matching claim rules (--claim name=pattern …)',
    )
    .argument('<entitlement-id>')
    .requiredOption('--issuer <url>', 'the OIDC issuer the group or claims come from')
    .option('--group <name>', "a group of that issuer's groups claim")
    .option('--claim <name=pattern>', 'a required claim: exact value, or a glob with * and ?', collect, [])
    .requiredOption('--account-id <id>', 'target account')
    .requiredOption('--role-arn <arn>', 'target role')
    .option('--max-duration <seconds>', 'longest session', '3600')
    .option('--claim-tag <tag=claim>', 'session tag from a verified claim (ABAC)', collect, [])
    .option('--deny', 'a deny row: refuses the role to this subject whatever else grants it')
    .option('--description <text>')
    .action(async (id: string, options: CreateOptions) => {
      if ((options.group === undefined) === (options.claim.length === 0)) {
        throw new CliError('give either --group or at least one --claim');
      }
      const subject = options.group
        ? { group: { issuer: options.issuer, name: options.group } }
        : { claims: { issuer: options.issuer, conditions: pairs(options.claim, '--claim') } };
      const body = {
        subject,
        accountId: options.accountId,
        roleArn: options.roleArn,
        maxDurationSeconds: Number(options.maxDuration),
        claimTags: pairs(options.claimTag, '--claim-tag'),
        ...(options.deny ? { effect: 'deny' } : {}),
        ...(options.description ? { description: options.description } : {}),
      };
      const response = await callApi(
        await resolveTarget(program),
        'PUT',
        `/v1/entitlements/${encodeURIComponent(id)}`,
        {
          body,
        },
      );
      const saved = parseBody(anyObject, response);
      printWarnings(saved);
      printJson({ ...saved, etag: response.headers.get('etag') });
    });

  subjects
    .command('explain')
    .description("which rows a token's claims match, and what issuance would grant; nothing is issued")
    .requiredOption('--issuer <url>', 'the issuer the claims are from')
    .option('--claims <file>', 'the claims as JSON ("-" for stdin)')
    .option('--token <jwt>', 'a token whose payload to use (decoded, not verified: this only explains)')
    .action(async (options: { issuer: string; claims?: string; token?: string }) => {
      if ((options.claims === undefined) === (options.token === undefined)) {
        throw new CliError('give either --claims or --token');
      }
      const claims = options.token ? decodeToken(options.token) : await readJsonInput(options.claims ?? '-');
      const result = parseBody(
        explanation,
        await callApi(await resolveTarget(program), 'POST', '/v1/subjects/explain', {
          body: { issuer: options.issuer, claims },
        }),
      );
      if (json()) return printJson(result);
      printTable(
        result.rows.map((r) => ({ ...r, conditions: JSON.stringify(r.conditions ?? '') })),
        ['entitlementId', 'subjectKind', 'effect', 'matched', 'why', 'conditions'],
      );
      out('\n');
      printTable(result.grants, ['accountId', 'roleName', 'entitlementId', 'subjectKind', 'deniedBy']);
    });
}

function decodeToken(token: string): Record<string, unknown> {
  try {
    return decodeJwt(token);
  } catch {
    throw new CliError('--token is not a JWT');
  }
}
