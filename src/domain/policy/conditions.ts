import { resourceCovers } from './elements.js';
import { tokenize, tokensCover } from './patterns.js';

/**
 * Whether a requested statement's Condition block implies a ceiling statement's: every
 * ceiling condition must be matched by a requested one that is at least as strict.
 * Condition keys compare case-insensitively (as IAM does), operators by their IAM
 * meaning, and a one-element list equals its scalar.
 */

export type ConditionBlock = Record<string, Record<string, unknown>>;

interface Operator {
  /** `forallvalues:`, `foranyvalue:` or '' */
  set: string;
  base: string;
  ifExists: boolean;
}

interface Condition {
  operator: Operator;
  key: string;
  values: string[];
}

function parseOperator(name: string): Operator {
  let rest = name.toLowerCase();
  let set = '';
  for (const prefix of ['forallvalues:', 'foranyvalue:']) {
    if (rest.startsWith(prefix)) [set, rest] = [prefix, rest.slice(prefix.length)];
  }
  const ifExists = rest.endsWith('ifexists');
  return { set, base: ifExists ? rest.slice(0, -'ifexists'.length) : rest, ifExists };
}

function valuesOf(value: unknown): string[] | undefined {
  const list = Array.isArray(value) ? value : [value];
  const strings: string[] = [];
  for (const item of list) {
    if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean')
      strings.push(String(item));
    else return undefined;
  }
  return strings.length > 0 ? strings : undefined;
}

/**
 * The conditions of a block, or undefined when it repeats an operator or a key in a way
 * IAM might resolve by keeping only one of them (then nothing about it is proven).
 */
function conditionsOf(block: ConditionBlock | undefined): Condition[] | undefined {
  const conditions: Condition[] = [];
  const seen = new Set<string>();
  for (const [name, entries] of Object.entries(block ?? {})) {
    const operator = parseOperator(name);
    for (const [key, value] of Object.entries(entries)) {
      const id = `${name.toLowerCase()}\n${key.toLowerCase()}`;
      const values = valuesOf(value);
      if (seen.has(id) || !values) return undefined;
      seen.add(id);
      conditions.push({ operator, key: key.toLowerCase(), values });
    }
  }
  return conditions;
}

/** Operators for which fewer values mean a stricter condition. */
const NARROWER_WITH_FEWER = new Set([
  'stringequals',
  'stringequalsignorecase',
  'stringlike',
  'arnequals',
  'arnlike',
]);
/** Operators for which more values mean a stricter condition. */
const NARROWER_WITH_MORE = new Set([
  'stringnotequals',
  'stringnotequalsignorecase',
  'stringnotlike',
  'arnnotequals',
  'arnnotlike',
]);

function stringValueCovers(outerBase: string, outer: string, innerBase: string, inner: string): boolean {
  if (outer === inner && (outerBase === innerBase || outerBase === 'stringequalsignorecase')) {
    return outerBase === innerBase || innerBase === 'stringequals';
  }
  if (outerBase === 'arnlike' || outerBase === 'arnequals') {
    return (innerBase === 'arnlike' || innerBase === 'arnequals') && resourceCovers(outer, inner);
  }
  if (outerBase !== 'stringlike' || (innerBase !== 'stringlike' && innerBase !== 'stringequals'))
    return false;
  const o = tokenize(outer);
  const i = tokenize(inner, innerBase === 'stringlike');
  return !!o && !!i && tokensCover(o, i, { caseInsensitive: false, wildcardsCrossColons: true });
}

function implies(requested: Condition, ceiling: Condition): boolean {
  const r = requested.operator;
  const c = ceiling.operator;
  if (requested.key !== ceiling.key || r.set !== c.set || (r.ifExists && !c.ifExists)) return false;
  if (NARROWER_WITH_FEWER.has(c.base)) {
    return requested.values.every((inner) =>
      ceiling.values.some((outer) => stringValueCovers(c.base, outer, r.base, inner)),
    );
  }
  if (r.base !== c.base) return false;
  if (NARROWER_WITH_MORE.has(c.base)) return ceiling.values.every((v) => requested.values.includes(v));
  const wanted = new Set(ceiling.values);
  const offered = new Set(requested.values);
  return offered.size === wanted.size && [...offered].every((v) => wanted.has(v));
}

/** True when the requested Condition block is at least as strict as the ceiling's. */
export function conditionsImply(
  requested: ConditionBlock | undefined,
  ceiling: ConditionBlock | undefined,
): boolean {
  const wanted = conditionsOf(ceiling);
  const offered = conditionsOf(requested);
  if (!wanted || !offered) return false;
  return wanted.every((c) => offered.some((r) => implies(r, c)));
}
