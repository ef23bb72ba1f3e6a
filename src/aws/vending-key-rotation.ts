import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  type IAMClient,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import type { Logger } from '../logging.js';
import { parseVendingKey, serializeVendingKey, type VendingKey } from './vending-key-secret.js';

/** What Secrets Manager sends the rotation function, once per step, in this order. */
export const rotationEventSchema = z.object({
  Step: z.enum(['createSecret', 'setSecret', 'testSecret', 'finishSecret']),
  SecretId: z.string().min(1),
  ClientRequestToken: z.string().min(32).max(64),
});
export type RotationEvent = z.infer<typeof rotationEventSchema>;

export interface VendingKeyRotationDependencies {
  secrets: SecretsManagerClient;
  iam: IAMClient;
  /** The ARN STS reports for a key (GetCallerIdentity signed with it). */
  callerArnOf: (key: VendingKey) => Promise<string>;
  userName: string;
  /** The one secret this function rotates (ARN or name). */
  secretId: string;
  logger: Logger;
  /** A new IAM key takes seconds to work everywhere: testSecret tries this often, this far apart. */
  keyTestAttempts: number;
  sleep: (ms: number) => Promise<void>;
}

/**
 * Rotates the vending user's access key with two-key overlap. createSecret deletes the key
 * two generations old (no container has used it for a whole rotation interval) and stores a
 * new one as AWSPENDING; testSecret proves the new key signs as the user; finishSecret makes
 * it AWSCURRENT, and the key it replaces (now AWSPREVIOUS) stays valid until the next
 * rotation, so containers that read it a moment ago keep working. Every step may be
 * retried by Secrets Manager and does nothing twice.
 */
export class VendingKeyRotation {
  constructor(private readonly deps: VendingKeyRotationDependencies) {}

  async run(event: RotationEvent): Promise<void> {
    const stages = await this.stagesOf(event);
    const tokenStages = stages[event.ClientRequestToken] ?? [];
    if (tokenStages.includes('AWSCURRENT')) return;
    if (event.Step !== 'createSecret' && !tokenStages.includes('AWSPENDING'))
      throw new Error(`version ${event.ClientRequestToken} is not staged AWSPENDING`);
    const currentVersion = Object.keys(stages).find((id) => stages[id]?.includes('AWSCURRENT'));
    if (event.Step === 'createSecret') await this.createSecret(event);
    // setSecret: an IAM access key is usable once created; there is no other service to tell.
    if (event.Step === 'testSecret') await this.testSecret(event);
    if (event.Step === 'finishSecret') await this.finishSecret(event, currentVersion);
    this.deps.logger.info('vending key rotation step done', {
      step: event.Step,
      version: event.ClientRequestToken,
    });
  }

  private async stagesOf(event: RotationEvent): Promise<Record<string, string[]>> {
    const { secrets, secretId } = this.deps;
    const described = await secrets.send(new DescribeSecretCommand({ SecretId: event.SecretId }));
    if (described.ARN !== secretId && described.Name !== secretId)
      throw new Error(`this function rotates ${secretId} only, not ${event.SecretId}`);
    return described.VersionIdsToStages ?? {};
  }

  private async createSecret(event: RotationEvent): Promise<void> {
    const { secrets, iam, userName, logger } = this.deps;
    if (await this.pendingKey(event).catch(() => undefined)) return;
    const current = await this.currentKeyId(event.SecretId);
    const listed = await iam.send(new ListAccessKeysCommand({ UserName: userName }));
    for (const { AccessKeyId } of listed.AccessKeyMetadata ?? []) {
      if (!AccessKeyId || AccessKeyId === current) continue;
      // Inactive first: if the delete fails, the key is already unusable and a retry finds it.
      await iam.send(new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId, Status: 'Inactive' }));
      await iam.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId }));
      logger.info('vending key retired', { accessKeyId: AccessKeyId });
    }
    const created = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
    const { AccessKeyId, SecretAccessKey } = created.AccessKey ?? {};
    if (!AccessKeyId || !SecretAccessKey) throw new Error('IAM returned no access key');
    await secrets.send(
      new PutSecretValueCommand({
        SecretId: event.SecretId,
        ClientRequestToken: event.ClientRequestToken,
        SecretString: serializeVendingKey({ accessKeyId: AccessKeyId, secretAccessKey: SecretAccessKey }),
        VersionStages: ['AWSPENDING'],
      }),
    );
    logger.info('vending key created', { accessKeyId: AccessKeyId });
  }

  /** The current key's id; none before the first rotation (a new stack's secret is empty). */
  private async currentKeyId(secretId: string): Promise<string | undefined> {
    const output = await this.deps.secrets.send(
      new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }),
    );
    try {
      return parseVendingKey(output.SecretString, 'AWSCURRENT').accessKeyId;
    } catch {
      return undefined;
    }
  }

  private async pendingKey(event: RotationEvent): Promise<VendingKey> {
    const output = await this.deps.secrets.send(
      new GetSecretValueCommand({
        SecretId: event.SecretId,
        VersionId: event.ClientRequestToken,
        VersionStage: 'AWSPENDING',
      }),
    );
    return parseVendingKey(output.SecretString, 'AWSPENDING');
  }

  private async testSecret(event: RotationEvent): Promise<void> {
    const { callerArnOf, userName, keyTestAttempts, sleep } = this.deps;
    const key = await this.pendingKey(event);
    let lastError: unknown;
    for (let attempt = 1; attempt <= keyTestAttempts; attempt += 1) {
      try {
        const arn = await callerArnOf(key);
        if (!isUserArn(arn, userName))
          throw new Error(`the new key signs as ${arn}, not as user ${userName}`);
        return;
      } catch (error) {
        lastError = error;
        if (attempt < keyTestAttempts) await sleep(1000 * 2 ** (attempt - 1));
      }
    }
    throw new Error('the new vending key does not work', { cause: lastError });
  }

  private async finishSecret(event: RotationEvent, currentVersion: string | undefined): Promise<void> {
    await this.deps.secrets.send(
      new UpdateSecretVersionStageCommand({
        SecretId: event.SecretId,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: event.ClientRequestToken,
        ...(currentVersion ? { RemoveFromVersionId: currentVersion } : {}),
      }),
    );
  }
}

/** `arn:aws:iam::<account>:user/<path/>name`, and not a role session that happens to end in the name. */
function isUserArn(arn: string, userName: string): boolean {
  const resource = arn.split(':')[5] ?? '';
  return resource.startsWith('user/') && resource.split('/').at(-1) === userName;
}
