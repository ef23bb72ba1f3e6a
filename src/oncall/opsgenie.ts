import * as z from 'zod';
import { type OnCallSchedule, OnCallUnavailableError } from '../domain/access-requests/on-call.js';
import { getJson, sameEmail } from './http.js';

/** A participant of `GET /v2/schedules/{id}/on-calls?flat=false`: users, or teams and escalations holding more. */
interface Participant {
  name?: string | undefined;
  type: string;
  onCallParticipants?: Participant[] | undefined;
}
const participant: z.ZodType<Participant> = z.lazy(() =>
  z.object({
    name: z.string().optional(),
    type: z.string(),
    onCallParticipants: z.array(participant).optional(),
  }),
);
const onCallsAnswer = z.object({ data: z.object({ onCallParticipants: z.array(participant) }) });

/** `GET /v2/schedules/{id}/timeline`: each rotation's periods, overrides applied (finalTimeline). */
const timelineAnswer = z.object({
  data: z.object({
    finalTimeline: z.object({
      rotations: z.array(
        z.object({
          periods: z
            .array(
              z.object({
                startDate: z.iso.datetime({ offset: true }),
                endDate: z.iso.datetime({ offset: true }),
                recipient: z.object({ type: z.string(), name: z.string().optional() }),
              }),
            )
            .default([]),
        }),
      ),
    }),
  }),
});

export interface OpsgenieSettings {
  apiUrl: string;
  /** The API integration key, read at run time from Secrets Manager. */
  key: () => Promise<string>;
  timeoutMs: number;
}

function usersOf(participants: readonly Participant[]): string[] {
  return participants.flatMap((p) => [
    ...(p.type === 'user' && p.name !== undefined ? [p.name] : []),
    ...usersOf(p.onCallParticipants ?? []),
  ]);
}

/**
 * When the person's Opsgenie shift covering `now` ends, or undefined when they are not on
 * call now. Opsgenie names users by their email (username). The on-calls answer says who is
 * on call now; it carries no times, so the shift's end is the end of the timeline period
 * (overrides applied) in which this user covers `now`. No such period: not granted.
 */
export async function opsgenieShiftEnd(
  settings: OpsgenieSettings,
  schedule: OnCallSchedule,
  email: string,
  now: Date,
): Promise<Date | undefined> {
  const authorization = `GenieKey ${await settings.key()}`;
  const base = new URL(`v2/schedules/${encodeURIComponent(schedule.scheduleId)}/`, settings.apiUrl);
  const onCallsUrl = new URL('on-calls', base);
  onCallsUrl.searchParams.set('scheduleIdentifierType', 'id');
  onCallsUrl.searchParams.set('flat', 'false');
  onCallsUrl.searchParams.set('date', now.toISOString());
  const onCalls = onCallsAnswer.safeParse(
    await getJson('Opsgenie', onCallsUrl, authorization, { timeoutMs: settings.timeoutMs }),
  );
  if (!onCalls.success) throw new OpsgenieShapeError();
  if (!usersOf(onCalls.data.data.onCallParticipants).some((name) => sameEmail(name, email))) return undefined;

  const timelineUrl = new URL('timeline', base);
  timelineUrl.searchParams.set('identifierType', 'id');
  timelineUrl.searchParams.set('date', now.toISOString());
  timelineUrl.searchParams.set('interval', '1');
  timelineUrl.searchParams.set('intervalUnit', 'weeks');
  const timeline = timelineAnswer.safeParse(
    await getJson('Opsgenie', timelineUrl, authorization, { timeoutMs: settings.timeoutMs }),
  );
  if (!timeline.success) throw new OpsgenieShapeError();
  const ends = timeline.data.data.finalTimeline.rotations
    .flatMap((rotation) => rotation.periods)
    .filter((p) => p.recipient.type === 'user' && sameEmail(p.recipient.name ?? '', email))
    .filter((p) => new Date(p.startDate) <= now && new Date(p.endDate) > now)
    .map((p) => new Date(p.endDate).getTime());
  return ends.length === 0 ? undefined : new Date(Math.max(...ends));
}

class OpsgenieShapeError extends OnCallUnavailableError {
  constructor() {
    super('Opsgenie answered an unexpected shape');
  }
}
