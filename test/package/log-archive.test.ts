import { runSimulation } from '@cloud-copilot/iam-simulate';
import { describe, expect, it } from 'vitest';
import { readCloudFormationYaml } from '../../src/local/cloudformation/yaml.js';
import { type HookTemplate, hookDocuments } from './hook-mode.js';

/**
 * deploy/log-archive.yaml as CloudFormation would deploy it in the log-archive account,
 * judged by the IAM simulator: the digest function's role alone signs and writes; no
 * administrator, of the vending account or of the log-archive account itself, can sign,
 * delete a digest or shorten its retention; only the log-archive account changes the key policy.
 */

const LOG_ARCHIVE = '123456789012'; // the account test/package/hook-mode.ts resolves AWS::AccountId to
const VENDING = '111111111111';
const DIGEST_ROLE = `arn:aws:iam::${VENDING}:role/credvend-prod-digest`;
const PARAMETERS = { DigestWriterRoleArn: DIGEST_ROLE, VendingAccountId: VENDING, LockMode: 'COMPLIANCE' };

/** `arn:aws:sts::<account>:assumed-role/<role>/<session>` → `arn:aws:iam::<account>:role/<role>`. */
const roleOf = (sessionArn: string) =>
  sessionArn.replace(/^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\/.*$/, 'arn:aws:iam::$1:role/$2');
const session = (account: string, role: string) => `arn:aws:sts::${account}:assumed-role/${role}/session`;
const DIGEST_FUNCTION = session(VENDING, 'credvend-prod-digest');
const VENDING_ADMIN = session(VENDING, 'Admin');
const LOG_ARCHIVE_ADMIN = session(LOG_ARCHIVE, 'Admin');
/** What an administrator's identity policy grants: everything. */
const ADMINISTRATOR_ACCESS = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};

async function deployed(): Promise<Map<string, Record<string, unknown>>> {
  const template = (await readCloudFormationYaml('deploy/log-archive.yaml')) as HookTemplate;
  const documents = hookDocuments(template, PARAMETERS);
  return new Map(
    [...documents].map(([id, document]) => {
      const [properties] = Object.values(document).map((d) => d.resourceProperties);
      return [id, properties as Record<string, unknown>];
    }),
  );
}

async function allowed(
  principal: string,
  action: string,
  resource: string,
  resourcePolicy: unknown,
): Promise<boolean> {
  const result = await runSimulation(
    {
      request: {
        principal,
        action,
        resource: { resource, accountId: LOG_ARCHIVE },
        // As AWS sets them for a role session: the role's ARN, not the session's.
        contextVariables: {
          'aws:SecureTransport': 'true',
          'aws:PrincipalArn': roleOf(principal),
          'aws:PrincipalAccount': principal.split(':')[4] ?? '',
        },
      },
      identityPolicies: [{ name: 'administrator-or-function', policy: ADMINISTRATOR_ACCESS }],
      resourcePolicy,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  return result.resultType === 'single' && result.overallResult === 'Allowed';
}

describe('deploy/log-archive.yaml, as deployed in the log-archive account', () => {
  it('lets the digest function alone sign; an account administrator cannot, in either account', async () => {
    const key = (await deployed()).get('DigestSigningKey')?.KeyPolicy;
    const arn = `arn:aws:kms:us-east-1:${LOG_ARCHIVE}:key/0a1b2c3d-0000-4000-8000-00000000000a`;
    expect(await allowed(DIGEST_FUNCTION, 'kms:Sign', arn, key)).toBe(true);
    expect(await allowed(LOG_ARCHIVE_ADMIN, 'kms:Sign', arn, key)).toBe(false);
    expect(await allowed(VENDING_ADMIN, 'kms:Sign', arn, key)).toBe(false);
    // Only the log-archive account changes who may sign.
    expect(await allowed(LOG_ARCHIVE_ADMIN, 'kms:PutKeyPolicy', arn, key)).toBe(true);
    expect(await allowed(VENDING_ADMIN, 'kms:PutKeyPolicy', arn, key)).toBe(false);
    expect(await allowed(DIGEST_FUNCTION, 'kms:PutKeyPolicy', arn, key)).toBe(false);
    expect(await allowed(VENDING_ADMIN, 'kms:GetPublicKey', arn, key)).toBe(true);
  });

  it('lets the digest function alone write digests, and nobody delete one or shorten its lock', async () => {
    const resources = await deployed();
    const policy = resources.get('DigestBucketPolicy')?.PolicyDocument;
    const bucket = String(resources.get('DigestBucket')?.BucketName);
    const digest = `arn:aws:s3:::${bucket}/digests/2026/12/07/digest.json`;
    expect(await allowed(DIGEST_FUNCTION, 's3:PutObject', digest, policy)).toBe(true);
    expect(await allowed(VENDING_ADMIN, 's3:PutObject', digest, policy)).toBe(false);
    expect(await allowed(LOG_ARCHIVE_ADMIN, 's3:PutObject', digest, policy)).toBe(false);
    expect(await allowed(VENDING_ADMIN, 's3:GetObject', digest, policy)).toBe(true);
    for (const action of [
      's3:DeleteObject',
      's3:DeleteObjectVersion',
      's3:PutObjectRetention',
      's3:BypassGovernanceRetention',
    ]) {
      for (const who of [DIGEST_FUNCTION, VENDING_ADMIN, LOG_ARCHIVE_ADMIN])
        expect(await allowed(who, action, digest, policy), `${who} ${action}`).toBe(false);
    }
    expect(
      await allowed(
        LOG_ARCHIVE_ADMIN,
        's3:PutBucketObjectLockConfiguration',
        `arn:aws:s3:::${bucket}`,
        policy,
      ),
    ).toBe(false);
    expect(resources.get('DigestBucket')?.ObjectLockConfiguration).toEqual({
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 2557 } },
    });
  });
});
