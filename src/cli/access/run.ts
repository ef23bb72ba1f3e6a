import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import * as z from 'zod';
import { planAccess } from '../../domain/access-code/plan.js';
import type { CurrentAccess, PlanStep } from '../../domain/access-code/types.js';
import type { ApiTarget } from '../api-client.js';
import { printJson, resolveTarget } from '../context.js';
import { CliError } from '../errors.js';
import { err, out } from '../terminal-text.js';
import { type LoadedAccess, loadAccessDirectory } from './load.js';
import { bodyOf, type PlanDocument, planDocument, rowsToName, sameSteps } from './plan-document.js';
import { renderPlan } from './render.js';
import { applyStep, callersByEntitlement, readCurrentAccess, stepsOutsideScope } from './service.js';

const json = (program: Command) => program.opts<{ json?: boolean }>().json === true;

/** Reads and checks the directory, reads the service, and plans; file problems stop everything. */
async function prepare(
  program: Command,
  dir: string,
): Promise<{ api: ApiTarget; loaded: LoadedAccess; current: CurrentAccess; doc: PlanDocument }> {
  const { loaded, problems } = await loadAccessDirectory(dir);
  if (!loaded) {
    if (json(program)) printJson({ problems });
    else for (const p of problems) err(`${p.file}:${p.line}: ${p.message}\n`);
    throw new CliError(`${problems.length} problem(s) in the access files: nothing was planned or applied`);
  }
  const api = await resolveTarget(program);
  const current = await readCurrentAccess(api);
  const rows = rowsToName(current, planAccess(loaded.desired, current));
  const callers = rows.length > 0 ? await callersByEntitlement(api, rows) : new Map();
  return { api, loaded, current, doc: planDocument(loaded, current, callers) };
}

/** `credvend access plan <dir>`: exit 2 when there is a change (as terraform plan -detailed-exitcode). */
export async function runAccessPlan(program: Command, dir: string, options: { out?: string }): Promise<void> {
  const { doc } = await prepare(program, dir);
  if (options.out) await writeFile(options.out, `${JSON.stringify(doc, null, 2)}\n`);
  if (json(program)) printJson(doc);
  else out(renderPlan(doc));
  if (doc.changes > 0) process.exitCode = 2;
}

const savedPlan = z.object({
  steps: z.array(
    z
      .object({
        kind: z.enum(['entitlement', 'requestable']),
        op: z.enum(['create', 'update', 'delete']),
        id: z.string(),
        expectedVersion: z.number().int().optional(),
        contentSha256: z.string().optional(),
      })
      .strict(),
  ),
});

async function readSavedPlan(path: string): Promise<z.infer<typeof savedPlan>> {
  const text = await readFile(path, 'utf8').catch(() => {
    throw new CliError(`cannot read ${path}`);
  });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CliError(`${path} is not JSON`);
  }
  const parsed = savedPlan.safeParse(value);
  if (!parsed.success) throw new CliError(`${path} is not a plan saved by credvend access plan --out`);
  return parsed.data;
}

/**
 * `credvend access apply <dir>`: the plan printed, then its steps one by one, each
 * conditional on the version the plan read, each audited by the service. A step refused
 * (someone changed the row since) stops the apply; what landed is listed.
 */
export async function runAccessApply(
  program: Command,
  dir: string,
  options: { plan?: string },
): Promise<void> {
  const { api, loaded, current, doc } = await prepare(program, dir);
  if (options.plan && !sameSteps((await readSavedPlan(options.plan)).steps, doc.steps)) {
    throw new CliError(
      `the service or the directory changed since ${options.plan} was planned: nothing was applied; plan again`,
    );
  }
  if (!json(program)) out(renderPlan(doc));
  await refuseOutsideScope(api, loaded, current, doc);
  const applied: Array<{ kind: string; op: string; id: string; version?: number }> = [];
  for (const step of doc.steps) {
    try {
      const version = await applyStep(api, step, bodyOf(loaded, step));
      applied.push({ kind: step.kind, op: step.op, id: step.id, ...(version ? { version } : {}) });
      if (!json(program))
        out(`applied: ${step.op} ${step.kind} ${step.id}${version ? ` (v${version})` : ''}\n`);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (json(program)) printJson({ plan: doc, applied, refused: { ...step, reason } });
      throw new CliError(
        `${step.op} ${step.kind} ${step.id} was refused (${reason}); ${applied.length} of ${doc.steps.length} step(s) applied; plan again`,
      );
    }
  }
  if (json(program)) printJson({ plan: doc, applied });
  else if (doc.changes > 0) out(`Applied ${applied.length} change(s).\n`);
}

/** Every step outside this identity's admin slice, refused before anything is written. */
async function refuseOutsideScope(
  api: ApiTarget,
  loaded: LoadedAccess,
  current: CurrentAccess,
  doc: PlanDocument,
): Promise<void> {
  const rowsOf = (step: PlanStep) => {
    const [desired, stored] =
      step.kind === 'entitlement'
        ? [loaded.desired.entitlements, current.entitlements]
        : [loaded.desired.requestables, current.requestables];
    return [...desired, ...stored].filter((row) => row.id === step.id);
  };
  const { scope, outside } = await stepsOutsideScope(api, doc.steps, rowsOf);
  if (outside.length === 0) return;
  for (const step of outside) err(`outside ${scope}: ${step.op} ${step.kind} ${step.id}\n`);
  throw new CliError(`${outside.length} step(s) outside what this identity administers: nothing was applied`);
}
