import { DynamoDbActivityReader } from '../aws/dynamodb-activity-reader.js';
import type { ActivityReader } from '../domain/activity/ports.js';
import { type Composition, dynamodbOf } from './composition.js';

/**
 * The reader of stored CloudTrail activity (audit and admin functions); undefined when
 * activity is off. Apart from the activity job, so that their bundles hold no S3 log reader.
 */
export function activityReaderOf(root: Composition): ActivityReader | undefined {
  const settings = root.config.activity;
  return settings ? new DynamoDbActivityReader(dynamodbOf(root), settings.table) : undefined;
}
