/**
 * The interactive picker for a command run on a terminal without a target. Only when a
 * person is there (stdin and stdout both terminals): a script that leaves out the target
 * gets the usage error, never a prompt it cannot answer.
 */
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { callApi, parseBody } from './api-client.js';
import { resolveTarget } from './context.js';
import { CliError } from './errors.js';
import { err, fieldSafe } from './terminal-text.js';
import { entitlementsMine } from './wire.js';

export interface Choice {
  value: string;
  label: string;
}

/** fzf's basic match: the filter's characters appear in the label in order, case ignored. */
export function fuzzyMatch(filter: string, label: string): boolean {
  const text = label.toLowerCase();
  let at = 0;
  for (const char of filter.toLowerCase().replace(/\s+/g, '')) {
    at = text.indexOf(char, at) + 1;
    if (at === 0) return false;
  }
  return true;
}

/** Asks on the terminal: a number picks, text narrows the list, until one is chosen. */
export async function pick(choices: readonly Choice[], what: string): Promise<string> {
  if (choices.length === 0) throw new CliError(`nothing to pick: you have no ${what}`);
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    let shown = [...choices];
    for (;;) {
      err(shown.map((c, i) => `${String(i + 1).padStart(3)}  ${fieldSafe(c.label)}\n`).join(''));
      const answer = (await terminal.question(`${what}: number, or text to narrow (empty: all): `)).trim();
      const number = Number(answer);
      const byNumber = /^\d+$/.test(answer) ? shown[number - 1] : undefined;
      if (byNumber) return byNumber.value;
      const narrowed = choices.filter((c) => fuzzyMatch(answer, c.label));
      if (narrowed.length === 1 && narrowed[0]) return narrowed[0].value;
      if (narrowed.length === 0) err(`nothing matches "${answer}"\n`);
      shown = narrowed.length > 0 ? narrowed : [...choices];
    }
  } finally {
    terminal.close();
  }
}

/** The target given, else one picked on a terminal, else the usage error. */
export async function targetOrPick(
  program: Command,
  command: Command,
  target: string | undefined,
): Promise<string> {
  if (target) return target;
  if (!process.stdin.isTTY || !process.stdout.isTTY)
    throw new CliError(
      `missing <target> (an entitlement id or account/role; on a terminal, credvend offers a list)\nusage: credvend ${command.name()} ${command.usage()}`,
      2,
    );
  const response = await callApi(await resolveTarget(program), 'GET', '/v1/entitlements/mine');
  const { entitlements } = parseBody(entitlementsMine, response);
  return pick(
    entitlements
      .filter((e) => e.active)
      .map((e) => ({
        value: e.id,
        label: `${e.id}  ${e.accountId}/${e.roleName}${e.description ? `  ${e.description}` : ''}`,
      })),
    'entitlement',
  );
}
