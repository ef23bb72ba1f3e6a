import { runSimulation } from '@cloud-copilot/iam-simulate';
import { describe, expect, it } from 'vitest';
import { deploy } from '../../src/local/cloudformation/resolve.js';
import { ALL_FEATURES } from './global-setup.js';
import { ACCOUNT, type PackagedTemplate, packagedTemplate } from './instantiate.js';

/**
 * The tables' backups and what outlives the stack, as packaged: a daily AWS Backup plan into a
 * locked vault (COMPLIANCE with the prod setting), a copy to another account's vault when one
 * is named, and every log group, key and vault retained when the stack goes.
 */

const COPY_ACCOUNT = ALL_FEATURES.backupCopyVaultArn.split(':')[4] ?? '';

function deployed(template: PackagedTemplate) {
  return deploy(template, { accountId: ACCOUNT, region: 'us-east-1', stackName: 'credvend-test' });
}

interface Rule {
  ScheduleExpression: string;
  TargetBackupVault: string;
  Lifecycle: { DeleteAfterDays: number | string };
  CopyActions?: Array<{ DestinationBackupVaultArn: string; Lifecycle: { DeleteAfterDays: number | string } }>;
}

async function backupOf(which: 'defaults' | 'allFeatures') {
  const template = await packagedTemplate(which);
  const stack = deployed(template);
  const resolved = (id: string): unknown => stack.resolve(template.Resources[id]?.Properties);
  const vault = resolved('BackupVault') as {
    BackupVaultName: string;
    LockConfiguration: { MinRetentionDays: number | string; ChangeableForDays?: number };
  };
  const plan = resolved('BackupPlan') as { BackupPlan: { BackupPlanRule: Rule[] } };
  const selection = resolved('BackupSelection') as {
    BackupSelection: { IamRoleArn: string; Resources: string[] };
  };
  const role = resolved('BackupRole') as { AssumeRolePolicyDocument: object; ManagedPolicyArns: string[] };
  const key = resolved('BackupVaultKey') as { KeyPolicy: object; EnableKeyRotation: boolean };
  const tableArn = (id: string) => String(stack.resolve({ 'Fn::GetAtt': [id, 'Arn'] }));
  return { template, vault, plan, selection, role, key, tableArn };
}

/** kms:Decrypt with the vault key by an administrator of the copy account (who may do anything there). */
async function copyAccountDecrypts(keyPolicy: object, via?: string): Promise<boolean> {
  const result = await runSimulation(
    {
      request: {
        principal: `arn:aws:iam::${COPY_ACCOUNT}:role/admin`,
        action: 'kms:Decrypt',
        resource: {
          resource: `arn:aws:kms:us-east-1:${ACCOUNT}:key/0a1b2c3d-0000-4000-8000-00000000000a`,
          accountId: ACCOUNT,
        },
        contextVariables: via ? { 'kms:ViaService': via } : {},
      },
      identityPolicies: [
        {
          name: 'admin',
          policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
        },
      ],
      resourcePolicy: keyPolicy,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType !== 'single') throw new Error(`simulation: ${JSON.stringify(result)}`);
  return result.overallResult === 'Allowed';
}

describe('backups and retention, as packaged', () => {
  it('backs up every table that cannot be rebuilt, daily, into the vault, kept as long as the lock demands', async () => {
    const { template, vault, plan, selection, role, tableArn } = await backupOf('defaults');
    const [rule, ...others] = plan.BackupPlan.BackupPlanRule;
    expect(others).toEqual([]);
    expect(rule?.ScheduleExpression).toBe('cron(0 3 * * ? *)');
    // Ref of a vault is its name: the plan writes into this stack's vault.
    const declared = template.Resources.BackupPlan?.Properties as {
      BackupPlan: { BackupPlanRule: object[] };
    };
    expect(declared.BackupPlan.BackupPlanRule[0]).toMatchObject({
      TargetBackupVault: { Ref: 'BackupVault' },
    });
    expect(vault.BackupVaultName).toBe('credvend-test-tables');
    expect(Number(rule?.Lifecycle.DeleteAfterDays)).toBe(35);
    expect(rule?.CopyActions ?? []).toEqual([]);
    expect(selection.BackupSelection.Resources.sort()).toEqual(
      ['AuditTable', 'EntitlementsTable', 'AccessRequestsTable', 'RequestablesTable'].map(tableArn).sort(),
    );
    // GOVERNANCE by default: a floor of 35 days, removable by whoever may delete the lock.
    expect(Number(vault.LockConfiguration.MinRetentionDays)).toBe(35);
    expect(vault.LockConfiguration.ChangeableForDays).toBeUndefined();
    expect(JSON.stringify(role.AssumeRolePolicyDocument)).toContain('"Service":"backup.amazonaws.com"');
    expect(role.ManagedPolicyArns.map((arn) => arn.split('/').at(-1))).toEqual([
      'AWSBackupServiceRolePolicyForBackup',
      'AWSBackupServiceRolePolicyForRestores',
    ]);
  });

  it('locks the vault in COMPLIANCE mode with the prod setting and copies each backup to the named vault', async () => {
    const { vault, plan, key } = await backupOf('allFeatures');
    // Three days to take it back; then nobody, the account root included, can shorten it.
    expect(vault.LockConfiguration.ChangeableForDays).toBe(3);
    const [rule] = plan.BackupPlan.BackupPlanRule;
    expect(rule?.CopyActions).toEqual([
      { DestinationBackupVaultArn: ALL_FEATURES.backupCopyVaultArn, Lifecycle: { DeleteAfterDays: 35 } },
    ]);
    // The copy account reads the source through AWS Backup, and with the key nothing else.
    expect(await copyAccountDecrypts(key.KeyPolicy, 'backup.us-east-1.amazonaws.com')).toBe(true);
    expect(await copyAccountDecrypts(key.KeyPolicy)).toBe(false);
    expect(await copyAccountDecrypts(key.KeyPolicy, 'dynamodb.us-east-1.amazonaws.com')).toBe(false);
  });

  it('gives no other account the vault key when no copy vault is named', async () => {
    const { key } = await backupOf('defaults');
    expect(await copyAccountDecrypts(key.KeyPolicy, 'backup.us-east-1.amazonaws.com')).toBe(false);
  });

  it('protects the audit table from deletion and keeps point-in-time recovery on', async () => {
    const { template } = await backupOf('defaults');
    const audit = template.Resources.AuditTable?.Properties ?? {};
    expect(audit.DeletionProtectionEnabled).toBe(true);
    expect(audit.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
  });

  it('keeps every log group, KMS key and backup vault when the stack is deleted or the resource replaced', async () => {
    for (const which of ['defaults', 'allFeatures'] as const) {
      const template = await packagedTemplate(which);
      const kept = Object.entries(template.Resources).filter(([, r]) =>
        ['AWS::Logs::LogGroup', 'AWS::KMS::Key', 'AWS::Backup::BackupVault'].includes(r.Type),
      );
      expect(kept.length, which).toBeGreaterThan(8);
      for (const [id, resource] of kept) {
        const policies = resource as { DeletionPolicy?: string; UpdateReplacePolicy?: string };
        expect([policies.DeletionPolicy, policies.UpdateReplacePolicy], `${which} ${id}`).toEqual([
          'Retain',
          'Retain',
        ]);
      }
    }
  });
});
