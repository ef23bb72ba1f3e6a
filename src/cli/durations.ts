/** Durations as people type them: `3600`, `90m`, `1h`, `1h30m`, `2d`. */

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
const PARTS = /^(?:\d{1,6}[dhms])+$/;

/** Seconds, or undefined for text that is not a duration. */
export function durationSeconds(value: string): number | undefined {
  const text = value.trim();
  if (/^\d{1,7}$/.test(text)) return Number(text);
  if (!PARTS.test(text)) return undefined;
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)([dhms])/g))
    total += Number(n) * (UNIT_SECONDS[unit ?? 's'] ?? 1);
  return total;
}
