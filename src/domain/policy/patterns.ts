/**
 * IAM string patterns (actions, resources, condition values) as token lists, and the two
 * questions narrowing asks of them: does one pattern cover another, and can two overlap.
 * Every answer is sound, not complete: when IAM's behaviour is uncertain the answer is the
 * one that refuses (not covered, may overlap), because a wrong "covered" widens access.
 */

/** One unit of a pattern: a literal character, `*`, `?`, or a policy variable `${…}`. */
export type PatternToken =
  | { kind: 'char'; char: string }
  | { kind: 'any' }
  | { kind: 'one' }
  | { kind: 'variable'; text: string };

/** IAM's escapes: `${*}`, `${?}` and `${$}` are the literal characters, never wildcards. */
const ESCAPES: Readonly<Record<string, string>> = { '${*}': '*', '${?}': '?', '${$}': '$' };
const VARIABLE_NAME = /^[\w:/.-]+(?:, '[^'$]*')?$/;

/**
 * Splits a pattern into tokens. With `wildcards` false (StringEquals values) `*` and `?`
 * are literal characters. Undefined when a `$` does not open a well-formed variable or
 * escape: IAM's reading of such text is not documented, so nothing about it is proven.
 */
export function tokenize(pattern: string, wildcards = true): PatternToken[] | undefined {
  const tokens: PatternToken[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern.charAt(i);
    if (char === '$') {
      const end = pattern.indexOf('}', i);
      if (pattern.charAt(i + 1) !== '{' || end === -1) return undefined;
      const text = pattern.slice(i, end + 1);
      const escaped = ESCAPES[text];
      if (escaped !== undefined) tokens.push({ kind: 'char', char: escaped });
      else if (VARIABLE_NAME.test(text.slice(2, -1))) tokens.push({ kind: 'variable', text });
      else return undefined;
      i = end;
    } else if (wildcards && char === '*') tokens.push({ kind: 'any' });
    else if (wildcards && char === '?') tokens.push({ kind: 'one' });
    else tokens.push({ kind: 'char', char });
  }
  return tokens;
}

export interface MatchRules {
  caseInsensitive: boolean;
  /**
   * False where IAM might not let a wildcard inside a pattern stand for a `:` (an ARN's
   * resource part, as in `function:team-*-fn` against `function:team-x:prod-fn`). A
   * trailing `*` always may: `log-group:*` covers the log group's streams.
   */
  wildcardsCrossColons: boolean;
}

function sameChar(a: string, b: string, rules: MatchRules): boolean {
  return rules.caseInsensitive ? a.toLowerCase() === b.toLowerCase() : a === b;
}

/** Whether `*` of the outer pattern may stand for what `token` of the inner one produces. */
/**
 * Whether a `*` of the outer pattern may stand for what `token` of the inner one produces.
 * `outerTrailing`/`innerTrailing`: the `*` is the last token of its pattern, and so may
 * stand for a `:` under every reading.
 */
function anyAbsorbs(
  token: PatternToken,
  rules: MatchRules,
  outerTrailing: boolean,
  innerTrailing: boolean,
): boolean {
  if (token.kind === 'variable') return false; // IAM substitutes first: its text is unknown here
  if (rules.wildcardsCrossColons || outerTrailing) return true;
  if (token.kind === 'char') return token.char !== ':';
  return token.kind === 'one' || !innerTrailing;
}

function oneAbsorbs(token: PatternToken, rules: MatchRules): boolean {
  if (token.kind === 'one') return true;
  return token.kind === 'char' && (rules.wildcardsCrossColons || token.char !== ':');
}

function tokenCovers(outer: PatternToken, inner: PatternToken, rules: MatchRules): boolean {
  if (outer.kind === 'one') return oneAbsorbs(inner, rules);
  if (outer.kind === 'char') return inner.kind === 'char' && sameChar(outer.char, inner.char, rules);
  if (outer.kind === 'variable') return inner.kind === 'variable' && inner.text === outer.text;
  return false;
}

/**
 * True when every string the inner pattern matches is matched by the outer one. A policy
 * variable is covered only by the identical variable at the same place: a wildcard does
 * not cover it, because IAM substitutes the variable's value before matching.
 */
export function tokensCover(outer: PatternToken[], inner: PatternToken[], rules: MatchRules): boolean {
  // next[b]: outer[a+1:] covers inner[b:]; filled from the end of outer backwards.
  let next: boolean[] = Array.from({ length: inner.length + 1 }, (_, b) => b === inner.length);
  for (let a = outer.length - 1; a >= 0; a--) {
    const o = outer[a] as PatternToken;
    const current = new Array<boolean>(inner.length + 1).fill(false);
    for (let b = inner.length; b >= 0; b--) {
      const i = inner[b];
      if (o.kind === 'any') {
        const absorbs =
          i !== undefined && anyAbsorbs(i, rules, a === outer.length - 1, b === inner.length - 1);
        current[b] = (next[b] ?? false) || (absorbs && (current[b + 1] ?? false));
      } else if (i !== undefined && tokenCovers(o, i, rules)) {
        current[b] = next[b + 1] ?? false;
      }
    }
    next = current;
  }
  return next[0] ?? false;
}

/** Both patterns as IAM wildcards (`*`, `?`); kept for callers that have no variables. */
export function globCovers(outer: string, inner: string, caseInsensitive: boolean): boolean {
  const o = tokenize(outer);
  const i = tokenize(inner);
  if (!o || !i) return outer === inner;
  return tokensCover(o, i, { caseInsensitive, wildcardsCrossColons: true });
}

/** True when some string may match both patterns (variables may stand for anything). */
export function tokensOverlap(p: PatternToken[], q: PatternToken[], caseInsensitive: boolean): boolean {
  const memo = new Map<number, boolean>();
  const width = q.length + 1;
  const visit = (i: number, j: number): boolean => {
    const key = i * width + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    memo.set(key, false);
    const a = p[i];
    const b = q[j];
    let result: boolean;
    if (a === undefined && b === undefined) result = true;
    else if (a?.kind === 'any' || a?.kind === 'variable')
      result = visit(i + 1, j) || (b !== undefined && visit(i, j + 1));
    else if (b?.kind === 'any' || b?.kind === 'variable')
      result = visit(i, j + 1) || (a !== undefined && visit(i + 1, j));
    else if (a === undefined || b === undefined) result = false;
    else if (a.kind === 'char' && b.kind === 'char')
      result =
        (caseInsensitive ? a.char.toLowerCase() === b.char.toLowerCase() : a.char === b.char) &&
        visit(i + 1, j + 1);
    else result = visit(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return visit(0, 0);
}
