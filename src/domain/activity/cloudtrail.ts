import * as z from 'zod';

/**
 * One CloudTrail record, as AWS documents its log files (`{"Records": [...]}`, gzip JSON in
 * S3): only the fields credvend reads. Unknown fields are ignored; a record missing one of
 * these is not a CloudTrail record credvend can attribute, and is skipped, not guessed at.
 */
const cloudTrailRecordWire = z.object({
  eventID: z.string().min(1).max(128),
  eventTime: z.iso.datetime(),
  eventSource: z.string().min(1).max(256),
  eventName: z.string().min(1).max(256),
  awsRegion: z.string().max(64).optional(),
  sourceIPAddress: z.string().max(256).optional(),
  errorCode: z.string().max(256).optional(),
  recipientAccountId: z.string().max(12).optional(),
  readOnly: z.boolean().optional(),
  resources: z.array(z.object({ ARN: z.string().max(2048).optional() })).optional(),
  userIdentity: z.object({
    type: z.string().max(64),
    arn: z.string().max(2048).optional(),
    accessKeyId: z.string().max(128).optional(),
    sessionContext: z
      .object({
        sourceIdentity: z.string().max(64).optional(),
        sessionIssuer: z.object({ arn: z.string().max(2048).optional() }).optional(),
      })
      .optional(),
  }),
});

/** A CloudTrail log file's top level. Records are checked one by one: a bad one is skipped alone. */
export const cloudTrailFileWire = z.object({ Records: z.array(z.unknown()).max(100_000) });

/**
 * Every SourceIdentity credvend sets: `<readable label>.<128-bit hex digest>` (see
 * identity/caller-identity.ts). STS keeps it for the whole role chain, so a session that a
 * credvend session assumed is still recognised; a session without one is not credvend's.
 */
const CREDVEND_SOURCE_IDENTITY = /^[\w+=,.@-]{1,31}\.[0-9a-f]{32}$/;

/** What one credvend-issued session did, once. */
export interface ActivityRecord {
  /** CloudTrail's `eventID`: a re-delivered file stores nothing twice. */
  eventId: string;
  time: string;
  /** `s3`, from `s3.amazonaws.com`. */
  service: string;
  action: string;
  /** The ARNs CloudTrail names (data events name the object), else none. */
  resources: string[];
  errorCode?: string;
  sourceIp?: string;
  region?: string;
  accountId?: string;
  /** The session that made the call: its access key, the role it is a session of, its ARN. */
  accessKeyId: string;
  sourceIdentity: string;
  roleArn?: string;
  sessionArn?: string;
}

/** The activity in one record, or undefined when credvend did not issue the session (or cannot tell). */
export function activityOf(raw: unknown): ActivityRecord | undefined {
  const parsed = cloudTrailRecordWire.safeParse(raw);
  if (!parsed.success) return undefined;
  const r = parsed.data;
  const sourceIdentity = r.userIdentity.sessionContext?.sourceIdentity;
  const accessKeyId = r.userIdentity.accessKeyId;
  if (!sourceIdentity || !CREDVEND_SOURCE_IDENTITY.test(sourceIdentity) || !accessKeyId) return undefined;
  const resources = (r.resources ?? []).flatMap((resource) => (resource.ARN ? [resource.ARN] : []));
  const roleArn = r.userIdentity.sessionContext?.sessionIssuer?.arn;
  return {
    eventId: r.eventID,
    time: new Date(r.eventTime).toISOString(),
    service: r.eventSource.replace(/\.amazonaws\.com$/, ''),
    action: r.eventName,
    resources,
    ...(r.errorCode ? { errorCode: r.errorCode } : {}),
    ...(r.sourceIPAddress ? { sourceIp: r.sourceIPAddress } : {}),
    ...(r.awsRegion ? { region: r.awsRegion } : {}),
    ...(r.recipientAccountId ? { accountId: r.recipientAccountId } : {}),
    accessKeyId,
    sourceIdentity,
    ...(roleArn ? { roleArn } : {}),
    ...(r.userIdentity.arn ? { sessionArn: r.userIdentity.arn } : {}),
  };
}
