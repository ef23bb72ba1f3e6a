import { type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { registryItem } from '../aws/dynamodb-entitlement-rows.js';
import { entitlementToItem } from '../aws/entitlement-items.js';
import type { Entitlement } from '../domain/shared/types.js';
import { oidcSubject } from '../domain/subjects/subjects.js';

export const DEMO_SUBJECT = 'alice@example.com';
export const DEMO_AUDITOR = 'auditor@example.com';
export const DEMO_ADMIN = 'admin@example.com';
const DEMO_TARGET_ACCOUNT = '222222222222';

/**
 * A demo admin slice (CREDVEND_ADMIN_SLICES): carol administers the entitlements named team-*
 * in the target account, as a team's GitOps pipeline would, and nothing else.
 */
export const DEMO_SLICE_ADMIN = 'carol@example.com';
export function demoAdminSlices(issuer: string): string {
  return JSON.stringify([
    {
      name: 'demo-team',
      issuer,
      apply: { sub: DEMO_SLICE_ADMIN },
      accounts: [DEMO_TARGET_ACCOUNT],
      ids: ['team-*'],
    },
  ]);
}

export interface DemoEntitlementInput {
  issuer: string;
  /** Who gets the demo entitlements; alice of the local IdP unless an external issuer names someone. */
  subject?: string;
  readonlyRoleArn: string;
  deployRoleArn: string;
  externalId: string;
  bucket: string;
}

/** What the README walkthrough uses: a read-only role for everyday work and a deploy role behind a reason. */
export function demoEntitlements(input: DemoEntitlementInput): Entitlement[] {
  const subject = oidcSubject(input.issuer, input.subject ?? DEMO_SUBJECT);
  return [
    {
      id: 'demo-readonly',
      subject,
      accountId: DEMO_TARGET_ACCOUNT,
      roleArn: input.readonlyRoleArn,
      maxDurationSeconds: 3600,
      defaultDurationSeconds: 900,
      sessionPolicy: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['s3:ListAllMyBuckets', 's3:ListBucket', 's3:GetObject'],
            Resource: '*',
          },
        ],
      },
      managedPolicyArns: [],
      tags: { team: 'platform' },
      claimTags: { 'caller-email': 'email' },
      transitiveTagKeys: ['team'],
      reasonRequired: false,
      effect: 'allow',
      description: 'Read-only access to the demo account',
      version: 1,
    },
    {
      id: 'demo-deploy',
      subject,
      accountId: DEMO_TARGET_ACCOUNT,
      roleArn: input.deployRoleArn,
      maxDurationSeconds: 7200,
      managedPolicyArns: [],
      tags: { team: 'platform' },
      claimTags: {},
      transitiveTagKeys: [],
      externalId: input.externalId,
      reasonRequired: true,
      effect: 'allow',
      description: `Deploy to ${input.bucket}; a reason is required`,
      version: 1,
    },
  ];
}

export async function seedEntitlements(
  client: DynamoDBClient,
  tableName: string,
  entitlements: readonly Entitlement[],
): Promise<void> {
  for (const entitlement of entitlements) {
    // Bootstrap data, not an admin change: written directly, with the id registry row the admin API reads.
    await client.send(new PutItemCommand({ TableName: tableName, Item: entitlementToItem(entitlement) }));
    await client.send(new PutItemCommand({ TableName: tableName, Item: registryItem(entitlement) }));
  }
}
