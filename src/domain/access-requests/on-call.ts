/** The paging services whose schedules a requestable may name. */
export const ON_CALL_PROVIDERS = ['pagerduty', 'opsgenie'] as const;
export type OnCallProvider = (typeof ON_CALL_PROVIDERS)[number];

/** A schedule in a paging service: whoever is on call in it now may be granted at once. */
export interface OnCallSchedule {
  provider: OnCallProvider;
  scheduleId: string;
}

/**
 * Who is on call, as the paging service says. `shiftEnd` answers for the person with this
 * (verified) email: when their shift covering `now` ends, or undefined when they are not on
 * call in the schedule now. It throws OnCallUnavailableError (or anything else) when the
 * schedule cannot be read: the caller then falls back to approval by people.
 */
export interface OnCallDirectory {
  shiftEnd(schedule: OnCallSchedule, email: string, now: Date): Promise<Date | undefined>;
}

/** The schedule could not be read or its answer was not the documented shape. Never carries a key. */
export class OnCallUnavailableError extends Error {
  override readonly name = 'OnCallUnavailableError';
}

/** What the on-call rule found for one request, as openRequest weighs it. */
export type OnCallCheck =
  | { kind: 'on-call'; schedule: OnCallSchedule; shiftEnd: Date }
  | { kind: 'not-on-call' | 'no-email'; schedule: OnCallSchedule }
  | { kind: 'unavailable'; schedule: OnCallSchedule; problem: string };

export function scheduleName(schedule: OnCallSchedule): string {
  return `${schedule.provider} schedule ${schedule.scheduleId}`;
}

/**
 * Asks the directory about one requester; never throws. A failed lookup is a result like any
 * other (kind 'unavailable', with a problem that names no secret): it never approves.
 */
export async function checkOnCall(
  directory: OnCallDirectory | undefined,
  schedule: OnCallSchedule,
  email: string | undefined,
  now: Date,
): Promise<OnCallCheck> {
  if (email === undefined) return { kind: 'no-email', schedule };
  if (!directory) return { kind: 'unavailable', schedule, problem: 'no on-call service is configured' };
  try {
    const shiftEnd = await directory.shiftEnd(schedule, email, now);
    return shiftEnd === undefined
      ? { kind: 'not-on-call', schedule }
      : { kind: 'on-call', schedule, shiftEnd };
  } catch (error) {
    const problem =
      error instanceof OnCallUnavailableError
        ? error.message
        : `${error instanceof Error ? error.name : 'error'} reading the schedule`;
    return { kind: 'unavailable', schedule, problem: problem.slice(0, 200) };
  }
}

/** Why a request with an on-call rule was left to approvers: audited with the request. */
export function onCallFallbackNote(check: OnCallCheck): string {
  const where = scheduleName(check.schedule);
  switch (check.kind) {
    case 'on-call':
      return `on call in ${where} until ${check.shiftEnd.toISOString()}, too short a shift to grant; approval by people`;
    case 'not-on-call':
      return `not on call in ${where}; approval by people`;
    case 'no-email':
      return `no verified email to look up in ${where}; approval by people`;
    case 'unavailable':
      return `on-call lookup in ${where} failed (${check.problem}); approval by people`;
  }
}
