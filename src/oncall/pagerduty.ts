import * as z from 'zod';
import { type OnCallSchedule, OnCallUnavailableError } from '../domain/access-requests/on-call.js';
import { getJson, sameEmail } from './http.js';

/**
 * PagerDuty's `GET /oncalls` answer as documented (REST API v2), with `include[]=users` so each
 * entry's user carries its email. `start`/`end` are null for a permanent on-call.
 */
const onCallsPage = z.object({
  oncalls: z.array(
    z.object({
      user: z.object({ email: z.string() }),
      schedule: z.object({ id: z.string() }).nullable(),
      start: z.iso.datetime({ offset: true }).nullable(),
      end: z.iso.datetime({ offset: true }).nullable(),
    }),
  ),
  more: z.boolean().optional(),
});

/** Pages read at most: one schedule over one window has few entries (levels × shifts). */
const MAX_PAGES = 5;
const PAGE_SIZE = 100;

export interface PagerDutySettings {
  apiUrl: string;
  /** The REST API key, read at run time from Secrets Manager. */
  token: () => Promise<string>;
  timeoutMs: number;
}

/**
 * When the person's PagerDuty shift covering `now` ends, or undefined when they are not on
 * call in the schedule now. The window asked for runs `horizonSeconds` ahead, so an end
 * PagerDuty clips to the window is still past any grant credvend could give; a permanent
 * on-call (end null) ends at the horizon.
 */
export async function pagerDutyShiftEnd(
  settings: PagerDutySettings,
  schedule: OnCallSchedule,
  email: string,
  now: Date,
  horizonSeconds: number,
): Promise<Date | undefined> {
  const horizon = new Date(now.getTime() + horizonSeconds * 1000);
  const authorization = `Token token=${await settings.token()}`;
  let latest: Date | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const url = new URL('oncalls', settings.apiUrl);
    url.searchParams.append('schedule_ids[]', schedule.scheduleId);
    url.searchParams.append('include[]', 'users');
    url.searchParams.set('since', now.toISOString());
    url.searchParams.set('until', horizon.toISOString());
    url.searchParams.set('limit', String(PAGE_SIZE));
    url.searchParams.set('offset', String(page * PAGE_SIZE));
    const parsed = onCallsPage.safeParse(
      await getJson('PagerDuty', url, authorization, {
        timeoutMs: settings.timeoutMs,
        accept: 'application/vnd.pagerduty+json;version=2',
      }),
    );
    if (!parsed.success) throw new OnCallUnavailableError('PagerDuty answered an unexpected shape');
    for (const entry of parsed.data.oncalls) {
      // Only this schedule's entries, only this person, only a shift that covers now.
      if (entry.schedule?.id !== schedule.scheduleId || !sameEmail(entry.user.email, email)) continue;
      const start = entry.start === null ? undefined : new Date(entry.start);
      const end = entry.end === null ? horizon : new Date(entry.end);
      if ((start && start > now) || end <= now) continue;
      if (!latest || end > latest) latest = end;
    }
    if (!parsed.data.more) return latest;
  }
  return latest;
}
