import { randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A ULID: 48-bit millisecond time + 80 random bits, Crockford base32. Sorting ids sorts
 * events by creation time, which the audit API's newest-first ordering relies on.
 */
export function newEventId(now: Date = new Date()): string {
  let time = now.getTime();
  let timePart = '';
  for (let i = 0; i < 10; i++) {
    timePart = CROCKFORD.charAt(time % 32) + timePart;
    time = Math.floor(time / 32);
  }
  const random = randomBytes(10);
  let randomPart = '';
  let bits = 0;
  let buffer = 0;
  for (const byte of random) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      randomPart += CROCKFORD.charAt((buffer >> bits) & 31);
    }
  }
  return timePart + randomPart;
}

export const EVENT_ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** The creation time a ULID (an event or chain id) carries, or undefined for an id that is not one. */
export function timeOfEventId(id: string): Date | undefined {
  if (!EVENT_ID_PATTERN.test(id)) return undefined;
  let time = 0;
  for (const char of id.slice(0, 10)) time = time * 32 + CROCKFORD.indexOf(char);
  return new Date(time);
}
