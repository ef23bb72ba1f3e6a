import * as z from 'zod';
import type { ActivityRecord } from './cloudtrail.js';

/** An ActivityRecord as stored and as answered: parsed, never cast. */
export const activityRecordWire = z.object({
  eventId: z.string(),
  time: z.string(),
  service: z.string(),
  action: z.string(),
  resources: z.array(z.string()),
  errorCode: z.string().optional(),
  sourceIp: z.string().optional(),
  region: z.string().optional(),
  accountId: z.string().optional(),
  accessKeyId: z.string(),
  sourceIdentity: z.string(),
  roleArn: z.string().optional(),
  sessionArn: z.string().optional(),
}) satisfies z.ZodType<ActivityRecord>;
