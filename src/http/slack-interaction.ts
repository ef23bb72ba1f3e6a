import * as z from 'zod';
import { InvalidRequestError } from '../domain/shared/errors.js';
import { SLACK_APPROVE_ACTION, SLACK_DENY_ACTION } from '../notify/slack-sink.js';
import { ACCESS_REQUEST_ID } from '../wire/access-requests.js';

/** The part of Slack's `block_actions` payload credvend acts on; everything else is ignored. */
const interactionSchema = z.object({
  type: z.literal('block_actions'),
  team: z.object({ id: z.string() }),
  api_app_id: z.string(),
  user: z.object({ id: z.string().regex(/^[A-Z0-9]{2,32}$/) }),
  actions: z
    .array(
      z.object({
        action_id: z.enum([SLACK_APPROVE_ACTION, SLACK_DENY_ACTION]),
        value: z.string().regex(ACCESS_REQUEST_ID),
      }),
    )
    .length(1),
});

export interface SlackDecision {
  /** The workspace and the app the click came from, as Slack signed them. */
  teamId: string;
  appId: string;
  slackUserId: string;
  decision: 'approve' | 'deny';
  requestId: string;
}

/** A form-encoded `payload=<json>` body (verified already) → the one decision it carries. */
export function parseSlackInteraction(body: string): SlackDecision {
  const payload = new URLSearchParams(body).get('payload');
  let json: unknown;
  try {
    json = JSON.parse(payload ?? '');
  } catch {
    throw new InvalidRequestError('a Slack interaction carries a JSON payload field');
  }
  const parsed = interactionSchema.safeParse(json);
  const action = parsed.success ? parsed.data.actions[0] : undefined;
  if (!parsed.success || !action) throw new InvalidRequestError('not a credvend Approve/Deny interaction');
  return {
    teamId: parsed.data.team.id,
    appId: parsed.data.api_app_id,
    slackUserId: parsed.data.user.id,
    decision: action.action_id === SLACK_APPROVE_ACTION ? 'approve' : 'deny',
    requestId: action.value,
  };
}
