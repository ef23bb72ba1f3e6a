import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  DynamoDbEntitlementStore,
  EntitlementPageCapError,
} from '../../src/aws/dynamodb-entitlement-store.js';
import { entitlementToItem } from '../../src/aws/entitlement-items.js';
import type { Entitlement } from '../../src/domain/shared/types.js';
import { dynamodb, stack } from './support.js';

const row = (subject: string, id: string): Entitlement => ({
  id,
  subject,
  accountId: '222222222222',
  roleArn: 'arn:aws:iam::222222222222:role/credvend-readonly',
  maxDurationSeconds: 3600,
  managedPolicyArns: [],
  tags: {},
  claimTags: {},
  transitiveTagKeys: [],
  reasonRequired: false,
  effect: id.endsWith('deny') ? 'deny' : 'allow',
  version: 1,
});

describe('DynamoDbEntitlementStore', () => {
  const table = () => stack().credvendEnv.CREDVEND_ENTITLEMENTS_TABLE ?? 'credvend-entitlements';

  it('fails closed, with an error and not a partial list, when a subject outgrows the page cap', async () => {
    const subject = `oidc|https://idp.example.com|page-cap-${Date.now()}`;
    for (const id of ['a', 'b', 'c', 'd', 'e-deny']) {
      await dynamodb().send(
        new PutItemCommand({ TableName: table(), Item: entitlementToItem(row(subject, `${subject}-${id}`)) }),
      );
    }
    // One row per page: the fifth row, a deny, lies beyond the four pages the store reads.
    const capped = new DynamoDbEntitlementStore(dynamodb(), table(), 1);
    await expect(capped.listForSubjects([subject])).rejects.toBeInstanceOf(EntitlementPageCapError);
    const roomy = new DynamoDbEntitlementStore(dynamodb(), table(), 2);
    expect((await roomy.listForSubjects([subject])).map((e) => e.effect).sort()).toEqual([
      'allow',
      'allow',
      'allow',
      'allow',
      'deny',
    ]);
  });
});
