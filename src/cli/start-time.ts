/** Start times as people type them: `in 2h`, `14:00` (local), or an ISO 8601 date-time. */

import { durationSeconds } from './durations.js';

const CLOCK = /^([01]?\d|2[0-3]):([0-5]\d)$/;
// A date and a time; without an offset it is local time (as Date.parse reads such text).
const ISO = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})?$/i;

/**
 * The instant `text` names, seen from `now` in the local time zone, or undefined for text
 * that names none. A bare clock time is the next one: `09:00` typed at 10:00 is tomorrow.
 * The API judges whether it is too early or too far ahead.
 */
export function startInstant(text: string, now: Date): Date | undefined {
  const value = text.trim();
  const after = /^in\s+(\S+)$/i.exec(value);
  if (after?.[1] !== undefined) {
    const seconds = durationSeconds(after[1]);
    return seconds === undefined ? undefined : new Date(now.getTime() + seconds * 1000);
  }
  const clock = CLOCK.exec(value);
  if (clock) {
    const at = new Date(now);
    at.setHours(Number(clock[1]), Number(clock[2]), 0, 0);
    if (at <= now) at.setDate(at.getDate() + 1);
    return at;
  }
  if (!ISO.test(value)) return undefined;
  const parsed = new Date(value.replace(' ', 'T'));
  return Number.isNaN(parsed.getTime()) ? undefined : parsed;
}
