import * as z from './zod-mini.js';

/**
 * CloudTrail activity of credvend-issued sessions: where it is kept and which log files are
 * read. Off (undefined) unless CREDVEND_ACTIVITY_TABLE is set.
 */
export interface ActivityConfig {
  table: string;
  retentionDays: number;
  /** Only objects under this key prefix are read (an organization trail's `AWSLogs/o-…/`). */
  logPrefix: string;
  s3Endpoint?: string;
}

/** The variables this file reads (the configuration reference is generated from it). */
export const activityEnvironmentSchema = z.object({
  CREDVEND_ACTIVITY_TABLE: z.optional(z.string().check(z.minLength(3))),
  CREDVEND_ACTIVITY_RETENTION_DAYS: z._default(
    z.coerce.number().check(z.int(), z.minimum(1), z.maximum(3653)),
    400,
  ),
  CREDVEND_CLOUDTRAIL_PREFIX: z._default(z.string().check(z.maxLength(1024)), ''),
  CREDVEND_S3_ENDPOINT: z.optional(z.url()),
});

class ActivityConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadActivityConfig(env: Record<string, string | undefined>): ActivityConfig | undefined {
  const result = activityEnvironmentSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ActivityConfigError(`invalid configuration: ${problems}`);
  }
  const e = result.data;
  if (!e.CREDVEND_ACTIVITY_TABLE) return undefined;
  return {
    table: e.CREDVEND_ACTIVITY_TABLE,
    retentionDays: e.CREDVEND_ACTIVITY_RETENTION_DAYS,
    logPrefix: e.CREDVEND_CLOUDTRAIL_PREFIX,
    ...(e.CREDVEND_S3_ENDPOINT ? { s3Endpoint: e.CREDVEND_S3_ENDPOINT } : {}),
  };
}
