import type { OnCallDirectory, OnCallSchedule } from '../domain/access-requests/on-call.js';
import { OnCallUnavailableError } from '../domain/access-requests/on-call.js';
import { type OpsgenieSettings, opsgenieShiftEnd } from './opsgenie.js';
import { type PagerDutySettings, pagerDutyShiftEnd } from './pagerduty.js';

/** A grant is at most a week (requestable-admin.ts): no shift needs to be read further ahead. */
const HORIZON_SECONDS = 7 * 86_400;

/** The configured paging services; a schedule of one that is not configured cannot be read. */
export function onCallDirectory(settings: {
  pagerDuty?: PagerDutySettings;
  opsgenie?: OpsgenieSettings;
}): OnCallDirectory {
  return {
    async shiftEnd(schedule: OnCallSchedule, email: string, now: Date) {
      if (schedule.provider === 'pagerduty') {
        if (!settings.pagerDuty) throw new OnCallUnavailableError('PagerDuty is not configured');
        return pagerDutyShiftEnd(settings.pagerDuty, schedule, email, now, HORIZON_SECONDS);
      }
      if (!settings.opsgenie) throw new OnCallUnavailableError('Opsgenie is not configured');
      return opsgenieShiftEnd(settings.opsgenie, schedule, email, now);
    },
  };
}
