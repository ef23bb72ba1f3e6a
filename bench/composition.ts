import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { STSClient } from '@aws-sdk/client-sts';
import { entitlementToItem } from '../src/aws/entitlement-items.js';
import { SecretsManagerVendingKeys } from '../src/aws/secrets-manager-vending-keys.js';
import { createSecretsManagerClient, createStsClient } from '../src/compose/clients.js';
import { type Composition, compose, stsOf } from '../src/compose/composition.js';
import { loadConfig } from '../src/config.js';
import type { Entitlement } from '../src/domain/shared/types.js';
import { oidcSubject } from '../src/domain/subjects/subjects.js';
import { demoEntitlements } from '../src/local/demo-entitlements.js';
import type { LocalEnvironment } from '../src/local/environment.js';

/** The composition root as the local server builds it, for the stack the bench started, with `settings` over its environment. */
export function benchComposition(
  environment: LocalEnvironment,
  settings: Record<string, string> = {},
): Composition {
  return compose(loadConfig({ ...environment.credvendEnv, ...settings }), {
    kind: 'node',
    sourceIp: () => '127.0.0.1',
    credentials: environment.functionCredentials('vend'),
  });
}

/**
 * The STS client vend's AssumeRole goes through, for the bare baselines: with
 * vendingIdentity=user (as the local stack runs, like the packaged template) it signs with
 * the vending user's key read from its secret under the vend role, as UserKeyRoleAssumer does;
 * the vend role itself may not assume the target roles.
 */
export async function vendingStsClient(root: Composition): Promise<STSClient> {
  const { config } = root;
  if (!config.vendingUser) return stsOf(root);
  const secrets = createSecretsManagerClient(config, root.runtime.credentials);
  const { secretId, keyTtlSeconds } = config.vendingUser;
  const key = await new SecretsManagerVendingKeys(secrets, secretId, keyTtlSeconds).current();
  secrets.destroy();
  return createStsClient(config, key, root.runtime.requestHandler);
}

/**
 * DynamoDB through the IAM gate as the stack's operator: the benches' fixtures (tables, rows,
 * counts), as an administrator writes them. The functions' own roles may not, and must not.
 */
export function operatorDynamodb(environment: LocalEnvironment): DynamoDBClient {
  return new DynamoDBClient({
    region: 'us-east-1',
    endpoint: environment.stack.dynamodbEndpoint,
    credentials: environment.stack.operator,
  });
}

/**
 * A caller of its own (`<prefix>-<time>@example.com` of the stack's issuer), entitled to the
 * demo read-only role by a row the operator writes now: its audit records and quotas are its alone.
 */
export async function freshEntitledCaller(
  environment: LocalEnvironment,
  table: string,
  prefix: string,
): Promise<{ sub: string; entitlement: Entitlement }> {
  const sub = `${prefix}-${Date.now()}@example.com`;
  const [readonly] = demoEntitlements({
    issuer: environment.issuer,
    readonlyRoleArn: environment.stack.seed.roles.readonly,
    deployRoleArn: environment.stack.seed.roles.deploy,
    externalId: environment.stack.seed.externalId,
    bucket: environment.stack.seed.bucket,
  });
  if (!readonly) throw new Error('no demo entitlement');
  const entitlement: Entitlement = {
    ...readonly,
    id: `${prefix}-${Date.now()}`,
    subject: oidcSubject(environment.issuer, sub),
  };
  const operator = operatorDynamodb(environment);
  await operator.send(new PutItemCommand({ TableName: table, Item: entitlementToItem(entitlement) }));
  operator.destroy();
  return { sub, entitlement };
}
