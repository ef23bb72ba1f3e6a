import { type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { requestableToItem } from '../aws/access-request-items.js';
import type { Requestable } from '../domain/access-requests/types.js';
import { DEMO_USERS } from './idp/demo-users.js';

export const DEMO_REQUESTABLE_ID = 'demo-readonly-request';
const REQUESTER_GROUP = 'developers';
const APPROVER_GROUP = 'admins';

/**
 * Access to request out of the box, so the just-in-time walkthrough needs no admin step:
 * the local IdP's developers (bob has no entitlement of his own) may ask for the read-only
 * role for up to 8 hours; its admins approve.
 */
export function demoRequestable(issuer: string, readonlyRoleArn: string): Requestable {
  return {
    id: DEMO_REQUESTABLE_ID,
    description: 'Read-only access to the demo account, for a while, on approval',
    requesters: { principals: [], groups: [`${issuer}#${REQUESTER_GROUP}`] },
    approvers: { principals: [], groups: [`${issuer}#${APPROVER_GROUP}`] },
    quorum: 1,
    accountId: '222222222222',
    roleArn: readonlyRoleArn,
    managedPolicyArns: [],
    tags: { team: 'platform' },
    maxSessionSeconds: 3600,
    maxGrantSeconds: 8 * 3600,
    answerWithinSeconds: 24 * 3600,
    breakGlass: false,
    version: 1,
  };
}

const members = (group: string) =>
  DEMO_USERS.filter((u) => u.groups.includes(group)).map((u) => u.sub.replace(/@.*/, ''));

/** The banner's line: who may request the demo access and who approves it. */
export function demoRequestableLine(): string {
  return `${DEMO_REQUESTABLE_ID}: ${REQUESTER_GROUP} (${members(REQUESTER_GROUP).join(', ')}) may request it; ${APPROVER_GROUP} (${members(APPROVER_GROUP).join(', ')}) approve`;
}

/** Bootstrap data, like the demo entitlements: written directly, not through the admin API. */
export async function seedRequestable(
  client: DynamoDBClient,
  tableName: string,
  requestable: Requestable,
): Promise<void> {
  await client.send(new PutItemCommand({ TableName: tableName, Item: requestableToItem(requestable) }));
}
