import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { rotationEventSchema, VendingKeyRotation } from '../aws/vending-key-rotation.js';
import type { VendingKey } from '../aws/vending-key-secret.js';
import { ConfigError } from '../config.js';
import { describeError } from '../logging.js';
import { createIamClient, createSecretsManagerClient, createStsClient } from './clients.js';
import type { Composition } from './composition.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The vending key rotation function (Secrets Manager invokes it once per step). Its own
 * role manages the user's keys and the secret; the new key is tested by signing with it.
 */
export function createRotationHandler(root: Composition): (event: unknown) => Promise<void> {
  const { config } = root;
  const user = config.vendingUser;
  if (!user?.userName)
    throw new ConfigError(
      'invalid configuration: the rotation function needs CREDVEND_VENDING_IDENTITY=user, CREDVEND_VENDING_KEY_SECRET and CREDVEND_VENDING_USER_NAME',
    );
  const rotation = new VendingKeyRotation({
    secrets: createSecretsManagerClient(config, root.runtime.credentials),
    iam: createIamClient(config, root.runtime.credentials),
    callerArnOf: async (key: VendingKey) => {
      const sts = createStsClient(config, key);
      try {
        const identity = await sts.send(new GetCallerIdentityCommand({}));
        return identity.Arn ?? '';
      } finally {
        sts.destroy();
      }
    },
    userName: user.userName,
    secretId: user.secretId,
    logger: root.logger,
    keyTestAttempts: 5,
    sleep,
  });
  return async (event) => {
    const parsed = rotationEventSchema.safeParse(event);
    if (!parsed.success) throw new Error('not a Secrets Manager rotation event');
    try {
      await rotation.run(parsed.data);
    } catch (error) {
      root.logger.error('vending key rotation step failed', {
        step: parsed.data.Step,
        ...describeError(error),
      });
      throw error;
    }
  };
}
