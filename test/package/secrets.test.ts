import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { deploy } from '../../src/local/cloudformation/resolve.js';
import { sessionAllows } from '../oracle/iam-oracle.js';
import { ALL_FEATURES, SECRET_VALUES } from './global-setup.js';
import { ACCOUNT, packagedTemplate } from './instantiate.js';
import { KEY_POLICY_DEFERRING_TO_IAM, roleSessionAllows } from './role-simulation.js';
import { readZip } from './zip.js';

/**
 * Secrets in a governed deployment: no secret value in anything `serverless package` writes
 * (template, function zips, state file), and each configured secret readable only by the
 * function whose code uses it, judged by the IAM simulator on the packaged template.
 */

/** Every file `serverless package` wrote, zips opened: [where, text]. */
async function packagedTexts(dir: string): Promise<Array<[string, string]>> {
  const texts: Array<[string, string]> = [];
  for (const name of await readdir(dir)) {
    const bytes = await readFile(join(dir, name));
    if (name.endsWith('.zip')) {
      for (const [entry, content] of await readZip(join(dir, name)))
        texts.push([`${name}:${entry}`, content.toString('utf8')]);
    } else {
      texts.push([name, bytes.toString('utf8')]);
    }
  }
  return texts;
}

/** The ARN Secrets Manager gives a secret of this name (six random characters appended). */
const arnOfName = (name: string, suffix = 'Xy12Zq') =>
  `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:${name}-${suffix}`;
const arnOf = (id: string) => (id.startsWith('arn:') ? id : arnOfName(id));

/**
 * The vending user's key (vendingIdentity=user), the stack's own secret (credvend-<stage>-vending-key),
 * as the resolver names it: read by vend and rotation only.
 */
const VENDING_KEY_SECRET = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:credvend-test-vending-key-AbCdEf`;

/**
 * Each configured secret, the ARN it has once created, and the functions that read it: the
 * notice sinks' secrets by requests, by reviews (notices to reviewers) and by reminders (the
 * follow-ups); Slack's signing secret, which verifies interactions, by requests alone.
 */
const NOTIFIERS = ['RequestsRole', 'ReviewsRole', 'RemindersRole'];
/** `condition`: the template's condition that holds while the secret is configured. */
const SECRETS: Array<{ param: string; condition: string; arn: string; readers: string[] }> = [
  {
    param: 'idempotencySecretId',
    condition: 'ReadsIdempotencySecret',
    arn: arnOf(ALL_FEATURES.idempotencySecretId),
    readers: ['VendRole'],
  },
  {
    param: 'cursorSecretId',
    condition: 'ReadsCursorSecret',
    arn: arnOf(ALL_FEATURES.cursorSecretId),
    readers: ['AuditRole'],
  },
  {
    param: 'slackTokenSecretId',
    condition: 'ReadsSlackTokenSecret',
    arn: arnOf(ALL_FEATURES.slackTokenSecretId),
    readers: NOTIFIERS,
  },
  {
    param: 'slackSigningSecretId',
    condition: 'ReadsSlackSigningSecret',
    arn: arnOf(ALL_FEATURES.slackSigningSecretId),
    readers: ['RequestsRole'],
  },
  {
    param: 'webhookSecretId',
    condition: 'ReadsWebhookSecret',
    arn: arnOf(ALL_FEATURES.webhookSecretId),
    readers: NOTIFIERS,
  },
  {
    param: 'teamsWebhookSecretId',
    condition: 'ReadsTeamsWebhookSecret',
    arn: arnOf(ALL_FEATURES.teamsWebhookSecretId),
    readers: NOTIFIERS,
  },
  {
    param: 'pagerDutyTokenSecretId',
    condition: 'ReadsPagerDutySecret',
    arn: arnOf(ALL_FEATURES.pagerDutyTokenSecretId),
    readers: ['RequestsRole'],
  },
  {
    param: 'opsgenieKeySecretId',
    condition: 'ReadsOpsgenieSecret',
    arn: arnOf(ALL_FEATURES.opsgenieKeySecretId),
    readers: ['RequestsRole'],
  },
];

/** Each Lambda function's role and its policies, as deployed. */
async function functionRoles(
  which: 'defaults' | 'allFeatures',
  conditions: Record<string, boolean> = {},
): Promise<Map<string, object[]>> {
  const template = await packagedTemplate(which);
  const deployed = deploy(template, {
    accountId: ACCOUNT,
    region: 'us-east-1',
    stackName: 'credvend-test',
    conditions,
  });
  const roles = new Map<string, object[]>();
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function' || !deployed.creates(id)) continue;
    const role = JSON.stringify(resource.Properties?.Role).match(/"Fn::GetAtt":\["(\w+)"/)?.[1];
    if (!role) throw new Error(`${id} has no role of this stack`);
    const properties = deployed.resolve(template.Resources[role]?.Properties) as {
      Policies?: Array<{ PolicyDocument: object }>;
    };
    roles.set(
      role,
      (properties.Policies ?? []).map((p) => p.PolicyDocument),
    );
  }
  return roles;
}

/**
 * kms:Decrypt with the secrets key, whose policy is AWS's default (the account's IAM decides):
 * KMS needs the key policy too, so the simulator gets both.
 */
const decrypts = (policies: object[], via?: string) =>
  roleSessionAllows(policies, {
    action: 'kms:Decrypt',
    resource: ALL_FEATURES.secretsKeyArn,
    context: via ? { 'kms:ViaService': via } : {},
    resourcePolicy: KEY_POLICY_DEFERRING_TO_IAM,
  });

const reads = (policies: object[], resource: string) =>
  sessionAllows(policies, { action: 'secretsmanager:GetSecretValue', resource, context: {} });

describe('secrets, as packaged', () => {
  it('holds no secret value in the template, any function zip or the state file', async () => {
    const packaged = inject('packaged');
    for (const dir of [packaged.defaults, packaged.allFeatures]) {
      const texts = await packagedTexts(dir);
      expect(texts.map(([where]) => where)).toEqual(
        expect.arrayContaining([
          'cloudformation-template-update-stack.json',
          'serverless-state.json',
          expect.stringMatching(/^vend\.zip:/),
          expect.stringMatching(/^requests\.zip:/),
        ]),
      );
      const found = texts.flatMap(([where, text]) =>
        Object.entries(SECRET_VALUES)
          .filter(([, value]) => text.includes(value))
          .map(([name]) => `${name} in ${where}`),
      );
      expect(found).toEqual([]);
    }
  });

  it('names each configured secret in the environment of the one function that reads it', async () => {
    const template = await packagedTemplate('allFeatures');
    const environments = Object.fromEntries(
      Object.entries(template.Resources)
        .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
        .map(([id, r]) => [id, JSON.stringify(r.Properties?.Environment ?? {})]),
    );
    const holders = (value: string) =>
      Object.entries(environments)
        .filter(([, environment]) => environment.includes(`"${value}"`))
        .map(([id]) => id);
    expect(holders(ALL_FEATURES.idempotencySecretId)).toEqual(['VendLambdaFunction']);
    expect(holders(ALL_FEATURES.cursorSecretId)).toEqual(['AuditLambdaFunction']);
    for (const id of [
      ALL_FEATURES.slackSigningSecretId,
      ALL_FEATURES.pagerDutyTokenSecretId,
      ALL_FEATURES.opsgenieKeySecretId,
    ])
      expect(holders(id), id).toEqual(['RequestsLambdaFunction']);
    // The sinks' secrets: the follow-ups (reminders) notify through the same sinks.
    for (const id of [
      ALL_FEATURES.slackTokenSecretId,
      ALL_FEATURES.webhookSecretId,
      ALL_FEATURES.teamsWebhookSecretId,
    ])
      expect(holders(id).sort(), id).toEqual([
        'RemindersLambdaFunction',
        'RequestsLambdaFunction',
        'ReviewsLambdaFunction',
      ]);
  });

  it('lets each secret be read by the function that uses it and by no other function', async () => {
    const roles = await functionRoles('allFeatures');
    expect([...roles.keys()]).toEqual(expect.arrayContaining(['VendRole', 'AuditRole', 'RequestsRole']));
    for (const { param, arn, readers } of SECRETS) {
      for (const [role, policies] of roles)
        expect(reads(policies, arn), `${role} reads ${param}`).toBe(readers.includes(role));
    }
    // The stack's own secret (vendingIdentity=user) stays with vend and rotation.
    for (const [role, policies] of roles)
      expect(reads(policies, VENDING_KEY_SECRET), `${role} reads the vending key`).toBe(
        role === 'VendRole' || role === 'RotationRole',
      );
  });

  it('grants a secret named by name as exactly that secret: not a longer name, not another secret', async () => {
    const roles = await functionRoles('allFeatures');
    const requests = roles.get('RequestsRole') ?? [];
    const name = ALL_FEATURES.webhookSecretId;
    expect(reads(requests, arnOfName(name))).toBe(true);
    expect(reads(requests, arnOfName(`${name}-old`)), 'a name that extends it').toBe(false);
    expect(reads(requests, arnOfName(`${name}x`)), 'a longer name').toBe(false);
    expect(reads(requests, arnOfName('credvend/test/other')), 'another secret').toBe(false);
    expect(reads(requests, arnOfName(name).replace(ACCOUNT, '333333333333')), 'another account').toBe(false);
    const vend = roles.get('VendRole') ?? [];
    expect(reads(vend, ALL_FEATURES.idempotencySecretId)).toBe(true);
    expect(
      reads(vend, ALL_FEATURES.idempotencySecretId.replace('-AbCdEf', '-ZzZzZz')),
      'a re-created secret',
    ).toBe(false);
  });

  it('lets the readers decrypt with the secrets key through Secrets Manager only, and nobody else', async () => {
    const roles = await functionRoles('allFeatures');
    for (const [role, policies] of roles) {
      const reader = SECRETS.some((s) => s.readers.includes(role));
      expect(await decrypts(policies, 'secretsmanager.us-east-1.amazonaws.com'), role).toBe(reader);
      expect(await decrypts(policies), `${role} directly`).toBe(false);
      expect(await decrypts(policies, 's3.us-east-1.amazonaws.com'), `${role} through S3`).toBe(false);
    }
  });

  it('lets a function decrypt with the secrets key only while a secret it reads is configured', async () => {
    for (const only of SECRETS) {
      // The every-feature template as if `only` were the one secret configured.
      const configured = Object.fromEntries(SECRETS.map((s) => [s.condition, s === only]));
      const roles = await functionRoles('allFeatures', configured);
      for (const [role, policies] of roles)
        expect(
          await decrypts(policies, 'secretsmanager.us-east-1.amazonaws.com'),
          `${role}, ${only.param} alone`,
        ).toBe(only.readers.includes(role));
    }
  });

  it('lets no function read any of these secrets when none is configured', async () => {
    const roles = await functionRoles('defaults');
    for (const { arn } of SECRETS) {
      for (const [role, policies] of roles) expect(reads(policies, arn), role).toBe(false);
    }
  });
});
