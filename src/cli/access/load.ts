import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type * as z from 'zod';
import { isGrantRow } from '../../domain/access-code/ownership.js';
import type { DesiredAccess } from '../../domain/access-code/types.js';
import type { RequestableInput } from '../../domain/access-requests/requestable-admin.js';
import type { EntitlementInput } from '../../domain/admin/entitlement-admin.js';
import { validateEntitlement } from '../../domain/admin/entitlement-validation.js';
import { InvalidRequestError } from '../../domain/shared/errors.js';
import { toRequestableInput } from '../../http/access-request-schema.js';
import { entitlementInputOf } from '../../http/entitlement-schema.js';
import { accessFileWire, type entitlementFileWire } from '../../wire/access-files.js';
import type { requestableBodyWire } from '../../wire/access-requests.js';
import type { SubjectWire } from '../../wire/entitlements.js';
import { CliError } from '../errors.js';
import { type FileProblem, parseSourceFile, type SourceFile } from './source-file.js';

const ACCESS_FILE = /\.(ya?ml|json)$/;

/** A directory of access files, read and checked: what it describes, and the PUT body of each row. */
export interface LoadedAccess {
  desired: DesiredAccess;
  entitlementBodies: ReadonlyMap<string, unknown>;
  requestableBodies: ReadonlyMap<string, unknown>;
  files: readonly string[];
}

/** Every access file under `dir` (hidden folders skipped), in a stable order. */
async function accessFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => {
    throw new CliError(`cannot read the directory ${dir}`);
  });
  return entries
    .filter((e) => e.isFile() && ACCESS_FILE.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .filter(
      (path) =>
        !relative(dir, path)
          .split(/[\\/]/)
          .some((part) => part.startsWith('.')),
    )
    .sort();
}

interface Located<T> {
  value: T;
  source: SourceFile;
  path: PropertyKey[];
}

/** Collects rows by key across files; a key seen twice is a problem at the second place. */
class Registry<T> {
  readonly items = new Map<string, Located<T>>();
  constructor(
    private readonly what: string,
    private readonly problems: FileProblem[],
  ) {}

  add(key: string, item: Located<T>): void {
    const first = this.items.get(key);
    if (first) {
      const where = `${first.source.file}:${first.source.lineOf(first.path)}`;
      report(this.problems, item, [], `${this.what} ${key} is also described at ${where}`);
      return;
    }
    this.items.set(key, item);
  }
}

function report(problems: FileProblem[], at: Located<unknown>, sub: readonly PropertyKey[], message: string) {
  problems.push({ file: at.source.file, line: at.source.lineOf([...at.path, ...sub]), message });
}

/** `sessionPolicy.Statement.0` → its path segments. */
const segments = (path: string) => (path === '' || path === '(body)' ? [] : path.split('.'));

function entitlementOf(
  id: string,
  at: Located<z.output<typeof entitlementFileWire>>,
  subjects: Registry<SubjectWire>,
  problems: FileProblem[],
): { input: EntitlementInput; body: unknown } | undefined {
  const { subject, ...rest } = at.value;
  const named = typeof subject === 'string' ? subjects.items.get(subject)?.value : subject;
  if (!named) {
    report(problems, at, ['subject'], `no subject named ${String(subject)} in this directory`);
    return undefined;
  }
  const body = { ...rest, subject: named };
  try {
    const input = entitlementInputOf(id, body);
    const issues = validateEntitlement({ ...input, version: 1 });
    for (const issue of issues) report(problems, at, segments(issue.path), `${issue.path}: ${issue.message}`);
    return issues.length > 0 ? undefined : { input, body };
  } catch (error) {
    if (!(error instanceof InvalidRequestError)) throw error;
    const issues = error.issues.length > 0 ? error.issues : [{ path: '', message: error.message }];
    for (const issue of issues) report(problems, at, segments(issue.path), issue.message);
    return undefined;
  }
}

function requestableOf(
  id: string,
  at: Located<z.output<typeof requestableBodyWire>>,
  problems: FileProblem[],
): RequestableInput | undefined {
  try {
    return toRequestableInput(id, at.value);
  } catch (error) {
    if (!(error instanceof InvalidRequestError)) throw error;
    report(problems, at, ['sessionPolicy'], error.message);
    return undefined;
  }
}

interface Sections {
  subjects: Registry<SubjectWire>;
  entitlements: Registry<z.output<typeof entitlementFileWire>>;
  requestables: Registry<z.output<typeof requestableBodyWire>>;
  owns: Set<string>;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const ROW_SECTIONS = new Set(['subjects', 'entitlements', 'requestables']);

/** The file without what the issues point at (a row, or a whole top-level field), so the rest is still checked. */
function withoutFaults(value: unknown, issues: readonly z.core.$ZodIssue[]): unknown {
  if (!isRecord(value)) return value;
  const copy: Record<string, unknown> = { ...value };
  for (const { path } of issues) {
    const [section, key] = path.map(String);
    if (section === undefined) return value;
    const rows = copy[section];
    if (ROW_SECTIONS.has(section) && key !== undefined && isRecord(rows)) {
      const { [key]: _, ...rest } = rows;
      copy[section] = rest;
    } else {
      delete copy[section];
    }
  }
  return copy;
}

function reportIssues(
  source: SourceFile,
  issues: readonly z.core.$ZodIssue[],
  problems: FileProblem[],
): void {
  for (const issue of issues) {
    // An unknown key is reported on its own line, one problem per key.
    const unknown = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const paths = unknown.length > 0 ? unknown.map((k) => [...issue.path, k]) : [issue.path];
    for (const path of paths) {
      const message = unknown.length > 0 ? `unknown field ${String(path.at(-1))}` : issue.message;
      const where = path.length > 0 ? `${path.join('.')}: ` : '';
      problems.push({ file: source.file, line: source.lineOf(path), message: `${where}${message}` });
    }
  }
}

function readSections(source: SourceFile, into: Sections, problems: FileProblem[]): void {
  const value = source.value ?? {};
  let parsed = accessFileWire.safeParse(value);
  if (!parsed.success) {
    reportIssues(source, parsed.error.issues, problems);
    // The rows with no problem are still read, so their own checks run in this pass too.
    parsed = accessFileWire.safeParse(withoutFaults(value, parsed.error.issues));
    if (!parsed.success) return;
  }
  const at = <T>(section: string, key: string, value: T): Located<T> => ({
    value,
    source,
    path: [section, key],
  });
  for (const pattern of parsed.data.owns ?? []) into.owns.add(pattern);
  for (const [name, s] of Object.entries(parsed.data.subjects ?? {}))
    into.subjects.add(name, at('subjects', name, s));
  for (const [id, e] of Object.entries(parsed.data.entitlements ?? {})) {
    if (isGrantRow(id))
      problems.push({
        file: source.file,
        line: source.lineOf(['entitlements', id]),
        message: `${id}: grant-… ids belong to just-in-time grants`,
      });
    else into.entitlements.add(id, at('entitlements', id, e));
  }
  for (const [id, r] of Object.entries(parsed.data.requestables ?? {}))
    into.requestables.add(id, at('requestables', id, r));
}

/**
 * Reads a directory of access files. Every problem is reported, each with its file and
 * line; with any problem nothing is returned, so nothing is planned or applied.
 */
export async function loadAccessDirectory(
  dir: string,
): Promise<{ loaded?: LoadedAccess; problems: FileProblem[] }> {
  const problems: FileProblem[] = [];
  const files = await accessFiles(dir);
  const sections: Sections = {
    subjects: new Registry('subject', problems),
    entitlements: new Registry('entitlement', problems),
    requestables: new Registry('requestable access', problems),
    owns: new Set(),
  };
  for (const file of files) {
    // Named as the user named the directory, so an editor or CI annotation finds it.
    const name = join(dir, relative(dir, file));
    const parsed = parseSourceFile(name, await readFile(file, 'utf8'));
    problems.push(...parsed.problems);
    if (parsed.source) readSections(parsed.source, sections, problems);
  }
  const entitlements: EntitlementInput[] = [];
  const entitlementBodies = new Map<string, unknown>();
  for (const [id, at] of sections.entitlements.items) {
    const row = entitlementOf(id, at, sections.subjects, problems);
    if (row) {
      entitlements.push(row.input);
      entitlementBodies.set(id, row.body);
    }
  }
  const requestables: RequestableInput[] = [];
  const requestableBodies = new Map<string, unknown>();
  for (const [id, at] of sections.requestables.items) {
    const input = requestableOf(id, at, problems);
    if (input) {
      requestables.push(input);
      requestableBodies.set(id, at.value);
    }
  }
  if (problems.length > 0) return { problems };
  return {
    loaded: {
      desired: { entitlements, requestables, owns: [...sections.owns] },
      entitlementBodies,
      requestableBodies,
      files,
    },
    problems,
  };
}
