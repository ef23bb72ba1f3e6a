import * as z from 'zod';

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
  CREDVEND_ACTIVITY_TABLE: z.string().min(3).optional(),
  CREDVEND_ACTIVITY_RETENTION_DAYS: z.coerce.number().int().min(1).max(3653).default(400),
  CREDVEND_CLOUDTRAIL_PREFIX: z.string().max(1024).default(''),
  CREDVEND_S3_ENDPOINT: z.url().optional(),
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
