import { type PatternToken, tokenize, tokensCover, tokensOverlap } from './patterns.js';

/**
 * Coverage and overlap for the Action and Resource elements. IAM documents ARN matching
 * only loosely, so a resource is proven covered only when it is covered under every
 * plausible reading at once: the whole ARN as one glob, the first five segments matched
 * one by one (case-insensitively, as some evaluators do), and the resource part with and
 * without letting `*` stand for a `:`.
 */

const ACTION = /^([a-z0-9-]+):([\w*?-]+)$/i;

function splitAction(action: string): { service: string; name: PatternToken[] } | undefined {
  const match = ACTION.exec(action);
  const name = match?.[2] === undefined ? undefined : tokenize(match[2]);
  return match?.[1] && name ? { service: match[1].toLowerCase(), name } : undefined;
}

/** Actions compare case-insensitively; a wildcard never stands for the service. */
export function actionCovers(outer: string, inner: string): boolean {
  if (outer === '*') return true;
  const o = splitAction(outer);
  const i = splitAction(inner);
  if (!o || !i || o.service !== i.service) return false;
  return tokensCover(o.name, i.name, { caseInsensitive: true, wildcardsCrossColons: true });
}

/** True unless the two action patterns provably match no common action. */
export function actionsMayOverlap(a: string, b: string): boolean {
  const p = splitAction(a);
  const q = splitAction(b);
  if (!p || !q) return true;
  return p.service === q.service && tokensOverlap(p.name, q.name, true);
}

interface ParsedArn {
  tokens: PatternToken[];
  /** partition, service, region, account */
  heads: PatternToken[][];
  /** Everything after the fifth `:`. */
  rest: PatternToken[];
}

function parseArn(arn: string): ParsedArn | undefined {
  const tokens = tokenize(arn);
  if (!tokens) return undefined;
  const segments: PatternToken[][] = [[]];
  for (const token of tokens) {
    const last = segments[segments.length - 1] as PatternToken[];
    if (segments.length < 6 && token.kind === 'char' && token.char === ':') segments.push([]);
    else last.push(token);
  }
  if (segments.length < 6) return undefined; // short ARNs are read differently by different evaluators
  const [prefix, ...heads] = segments.slice(0, 5);
  if (prefix?.map((t) => (t.kind === 'char' ? t.char : '#')).join('') !== 'arn') return undefined;
  if (heads.some((segment) => segment.some((t) => t.kind === 'variable'))) return undefined;
  return { tokens, heads, rest: segments[5] ?? [] };
}

/**
 * The resource-type part of an ARN's resource (up to the first `/` or `:`); S3 ARNs have
 * none. A wildcard here is an "incorrect wildcard usage" with no documented meaning.
 */
function resourceType(arn: ParsedArn): PatternToken[] {
  const [, service, region, account] = arn.heads.map((s) =>
    s.map((t) => (t.kind === 'char' ? t.char : '#')).join(''),
  );
  if (service === 's3' && region === '' && account === '') return [];
  const end = arn.rest.findIndex((t) => t.kind === 'char' && (t.char === '/' || t.char === ':'));
  return end === -1 ? [] : arn.rest.slice(0, end + 1);
}

/** True when every resource the inner ARN pattern names is named by the outer one. */
export function resourceCovers(outer: string, inner: string): boolean {
  if (outer === inner || outer === '*') return true;
  const o = parseArn(outer);
  const i = parseArn(inner);
  if (!o || !i) return false;
  if (resourceType(o).some((t) => t.kind !== 'char')) return false;
  const exact = { caseInsensitive: false, wildcardsCrossColons: true };
  if (!tokensCover(o.tokens, i.tokens, exact)) return false;
  const headsCovered = o.heads.every((segment, n) => {
    const other = i.heads[n] ?? [];
    return (
      tokensCover(segment, other, exact) &&
      tokensCover(segment, other, { caseInsensitive: true, wildcardsCrossColons: false })
    );
  });
  return (
    headsCovered &&
    tokensCover(o.rest, i.rest, exact) &&
    tokensCover(o.rest, i.rest, { caseInsensitive: false, wildcardsCrossColons: false })
  );
}

/**
 * True unless the two resource patterns provably name no common resource, under either
 * reading resourceCovers allows: the whole ARN as one glob, or the first five segments
 * one by one ignoring case with the resource part exact (so `Data/x` and `data/x` are two
 * S3 objects). A policy variable makes it "may": when the request lacks its value, a
 * NotResource holding it does not match at all, and its statement then applies to nothing.
 */
export function resourcesMayOverlap(a: string, b: string): boolean {
  if (a === '*' || b === '*') return true;
  const p = parseArn(a);
  const q = parseArn(b);
  if (!p || !q || [...p.tokens, ...q.tokens].some((t) => t.kind === 'variable')) return true;
  if (tokensOverlap(p.tokens, q.tokens, false)) return true;
  return (
    p.heads.every((segment, n) => tokensOverlap(segment, q.heads[n] ?? [], true)) &&
    tokensOverlap(p.rest, q.rest, false)
  );
}
