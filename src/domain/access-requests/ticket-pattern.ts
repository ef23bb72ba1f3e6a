/**
 * Why a ticket pattern could take exponential time to match, or undefined when it cannot.
 * JavaScript's engine backtracks, so a repeated group that can match the same text in more
 * than one way — `(a+)+`, `(a*)*`, `(a|ab)+` — is tried every way on a near-miss: an admin's
 * pattern would let any requester stall the function. Refused at write time, conservatively:
 * no repeated group may contain a repetition or an alternation, and no backreference or
 * lookaround is allowed. What remains (atoms, classes, bounded repeats of plain groups,
 * `(JIRA|OPS)-\d+`) matches in time polynomial in the ticket's 256 characters at most.
 */
export function ticketPatternProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
  } catch {
    return 'not a valid regular expression';
  }
  const frames: Array<{ repeats: boolean; alternates: boolean }> = [{ repeats: false, alternates: false }];
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    const frame = frames.at(-1);
    if (!frame) return 'unbalanced parentheses';
    if (ch === '(') {
      if (/^\(\?<?[=!]/.test(pattern.slice(i, i + 4))) return 'lookarounds are not allowed';
      frames.push({ repeats: false, alternates: false });
    } else if (ch === '|') {
      frame.alternates = true;
    } else if (ch === ')') {
      frames.pop();
      const parent = frames.at(-1);
      if (!parent) return 'unbalanced parentheses';
      const quantifier = quantifierAt(pattern, i + 1);
      if (quantifier.repeats && (frame.repeats || frame.alternates)) {
        return 'a repeated group may not contain a repetition or an alternation (it can backtrack exponentially); use a character class or a bounded repeat of a plain group';
      }
      parent.repeats ||= frame.repeats || quantifier.repeats;
      i += quantifier.length;
    } else {
      // An atom: an escape, a class or one character, and its quantifier.
      if (ch === '\\') {
        if (/[1-9k]/.test(pattern[i + 1] ?? '')) return 'backreferences are not allowed';
        i++;
      } else if (ch === '[') {
        i = classEnd(pattern, i);
      }
      const quantifier = quantifierAt(pattern, i + 1);
      frame.repeats ||= quantifier.repeats;
      i += quantifier.length;
    }
  }
  return undefined;
}

/** Index of the `]` closing the class opened at `start` (escapes skipped). */
function classEnd(pattern: string, start: number): number {
  for (let i = start + 1; i < pattern.length; i++) {
    if (pattern[i] === '\\') i++;
    else if (pattern[i] === ']') return i;
  }
  return pattern.length;
}

/** The quantifier at `i`, if any: its length (with a lazy `?`) and whether it repeats more than once. */
function quantifierAt(pattern: string, i: number): { length: number; repeats: boolean } {
  const ch = pattern[i];
  const lazy = (at: number) => (pattern[at] === '?' ? 1 : 0);
  if (ch === '*' || ch === '+') return { length: 1 + lazy(i + 1), repeats: true };
  if (ch === '?') return { length: 1 + lazy(i + 1), repeats: false };
  const braces = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
  if (!braces) return { length: 0, repeats: false };
  const max = braces[2] === undefined ? Number(braces[1]) : braces[3] === '' ? Infinity : Number(braces[3]);
  return { length: braces[0].length + lazy(i + braces[0].length), repeats: max > 1 };
}
