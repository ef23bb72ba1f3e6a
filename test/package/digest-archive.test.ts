import { describe, expect, it } from 'vitest';
import { deploy } from '../../src/local/cloudformation/resolve.js';
import { ALL_FEATURES } from './global-setup.js';
import { ACCOUNT, type PackagedTemplate, packagedTemplate } from './instantiate.js';
import { KEY_POLICY_DEFERRING_TO_IAM, roleSessionAllows } from './role-simulation.js';

/**
 * The credvend stack wired to deploy/log-archive.yaml's outputs (ALL_FEATURES names them): it
 * creates no digest bucket or key of its own, its digest and audit functions are pointed at the
 * archive's, and their roles are granted exactly those (identity side, judged by the IAM
 * simulator; the archive's own policies are test/package/log-archive.test.ts's).
 */

const ARCHIVE_BUCKET = ALL_FEATURES.digestArchiveBucket;
const ARCHIVE_KEY = ALL_FEATURES.digestArchiveKeyArn;
const ARCHIVE_BUCKET_KEY = ALL_FEATURES.digestArchiveBucketKeyArn;
const OWN_RESOURCES = [
  'DigestBucket',
  'DigestBucketPolicy',
  'DigestBucketKey',
  'DigestKey',
  'DigestKeyAlias',
];

const deployed = (template: PackagedTemplate) =>
  deploy(template, { accountId: ACCOUNT, region: 'us-east-1', stackName: 'credvend-test' });

async function roleOf(id: string): Promise<object[]> {
  const template = await packagedTemplate('allFeatures');
  const properties = deployed(template).resolve(template.Resources[id]?.Properties) as {
    Policies: Array<{ PolicyDocument: object }>;
  };
  return properties.Policies.map((p) => p.PolicyDocument);
}

/** What the role's own policies allow (a key policy that lets IAM decide, as the archive's does for it). */
const allows = (policies: object[], action: string, resource: string, context: Record<string, string> = {}) =>
  roleSessionAllows(policies, {
    action,
    resource,
    context,
    ...(action.startsWith('kms:') ? { resourcePolicy: KEY_POLICY_DEFERRING_TO_IAM } : {}),
  });

const VIA_S3 = { 'kms:ViaService': 's3.us-east-1.amazonaws.com' };
const OTHER_KEY = 'arn:aws:kms:us-east-1:555555555555:key/5a5a5a5a-0000-4000-8000-00000000000f';

describe('digests in the log-archive account, as packaged', () => {
  it('creates no digest bucket or key of its own when the archive is named, and its own otherwise', async () => {
    const wired = deployed(await packagedTemplate('allFeatures'));
    const own = deployed(await packagedTemplate('defaults'));
    for (const id of OWN_RESOURCES) {
      expect(wired.creates(id), `${id} with the archive`).toBe(false);
      expect(own.creates(id), `${id} without`).toBe(true);
    }
  });

  it('points the digest and audit functions at the archive bucket and key', async () => {
    const template = await packagedTemplate('allFeatures');
    const stack = deployed(template);
    for (const fn of ['DigestLambdaFunction', 'AuditLambdaFunction']) {
      const environment = stack.resolve(template.Resources[fn]?.Properties?.Environment) as {
        Variables: Record<string, string>;
      };
      expect(environment.Variables.CREDVEND_DIGEST_BUCKET, fn).toBe(ARCHIVE_BUCKET);
      expect(environment.Variables.CREDVEND_DIGEST_KEY_ID, fn).toBe(ARCHIVE_KEY);
    }
  });

  it('lets the digest role sign with the archive key and write the archive bucket, and nothing else of the kind', async () => {
    const digest = await roleOf('DigestRole');
    expect(await allows(digest, 'kms:Sign', ARCHIVE_KEY)).toBe(true);
    expect(await allows(digest, 'kms:Sign', OTHER_KEY)).toBe(false);
    expect(
      await allows(digest, 's3:PutObject', `arn:aws:s3:::${ARCHIVE_BUCKET}/digests/2026/12/07/d.json`),
    ).toBe(true);
    expect(await allows(digest, 's3:PutObject', 'arn:aws:s3:::another-bucket/digests/d.json')).toBe(false);
    expect(await allows(digest, 's3:ListBucket', `arn:aws:s3:::${ARCHIVE_BUCKET}`)).toBe(true);
    expect(await allows(digest, 'kms:GenerateDataKey', ARCHIVE_BUCKET_KEY, VIA_S3)).toBe(true);
    expect(await allows(digest, 'kms:GenerateDataKey', ARCHIVE_BUCKET_KEY), 'outside S3').toBe(false);
  });

  it('lets the audit role read digests and the public key from the archive, and sign nothing', async () => {
    const audit = await roleOf('AuditRole');
    expect(await allows(audit, 's3:GetObject', `arn:aws:s3:::${ARCHIVE_BUCKET}/digests/latest.json`)).toBe(
      true,
    );
    expect(await allows(audit, 's3:PutObject', `arn:aws:s3:::${ARCHIVE_BUCKET}/digests/latest.json`)).toBe(
      false,
    );
    expect(await allows(audit, 'kms:GetPublicKey', ARCHIVE_KEY)).toBe(true);
    expect(await allows(audit, 'kms:Sign', ARCHIVE_KEY)).toBe(false);
    expect(await allows(audit, 'kms:Decrypt', ARCHIVE_BUCKET_KEY, VIA_S3)).toBe(true);
  });
});
