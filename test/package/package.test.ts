import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  auditTableDefinition,
  entitlementsTableDefinition,
  idempotencyTableDefinition,
  rateLimitsTableDefinition,
} from '../../src/aws/table-schema.js';
import { readZip } from './zip.js';

const run = promisify(execFile);

interface Template {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
}

/** `serverless package` runs offline: this is the artefact `serverless deploy` would upload. */
describe('serverless package', () => {
  let dir: string;
  let template: Template;
  const functions = ['vend', 'audit', 'admin'];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'credvend-package-'));
    await run('npx', ['serverless', 'package', '--stage', 'test', '--package', dir], {
      env: {
        ...process.env,
        SLS_TELEMETRY_DISABLED: '1',
        AWS_ACCESS_KEY_ID: 'packaging',
        AWS_SECRET_ACCESS_KEY: 'packaging',
      },
      timeout: 240_000,
    });
    template = JSON.parse(
      await readFile(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'),
    ) as Template;
    return () => rm(dir, { recursive: true, force: true });
  }, 300_000);

  const resources = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);
  const bundle = async (name: string) => {
    const files = await readZip(join(dir, `${name}.zip`));
    return { names: [...files.keys()], code: files.get(`functions/${name}.mjs`)?.toString('utf8') ?? '' };
  };

  it('packages each function with its handler, small and without dev dependencies', async () => {
    for (const name of functions) {
      const { names, code } = await bundle(name);
      expect(names).toEqual([`functions/${name}.mjs`]);
      expect(code).toMatch(/export\s*\{[^}]*\bhandler\b/);
      const zipBytes = (await readFile(join(dir, `${name}.zip`))).byteLength;
      console.log(
        `${name}.zip ${(zipBytes / 1024).toFixed(0)} KiB (bundle ${(code.length / 1024).toFixed(0)} KiB)`,
      );
      expect(zipBytes).toBeLessThan(600 * 1024);
      // Markers of code that must never ship: the document client, test and dev tooling, the
      // local stack; and the IAM client anywhere but admin, the only function writing revocations.
      const markers = [
        'DynamoDBDocumentClient',
        'aws-sdk-client-mock',
        '@vitest/',
        'fast-check',
        '@biomejs',
        'S3Client',
        'DynamoDBLocal',
        'moto_server',
        ...(name === 'admin' ? [] : ['IAMClient']),
      ];
      expect(
        markers.filter((marker) => code.includes(marker)),
        name,
      ).toEqual([]);
    }
  });

  it('gives every function its own role and no IAM statement a * action or resource', () => {
    const roles = resources('AWS::IAM::Role');
    expect(roles.map(([name]) => name).sort()).toEqual(['AdminRole', 'AuditRole', 'VendRole']);
    const statements = roles.flatMap(([, role]) =>
      (
        role.Properties.Policies as Array<{
          PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> };
        }>
      ).flatMap((p) => p.PolicyDocument.Statement),
    );
    for (const statement of statements) {
      for (const action of [statement.Action].flat()) expect(action).not.toContain('*');
      for (const resource of [statement.Resource].flat()) expect(resource).not.toBe('*');
    }
    for (const [name, fn] of resources('AWS::Lambda::Function')) {
      expect(fn.Properties.Role, name).toMatchObject({
        'Fn::GetAtt': [expect.stringMatching(/^(Vend|Audit|Admin)Role$/), 'Arn'],
      });
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
    }
  });

  it('protects every table and declares exactly the keys and indexes the code uses', () => {
    const tables = Object.fromEntries(resources('AWS::DynamoDB::Table'));
    const expected = {
      EntitlementsTable: entitlementsTableDefinition('x'),
      AuditTable: auditTableDefinition('x'),
      RateLimitsTable: rateLimitsTableDefinition('x'),
      IdempotencyTable: idempotencyTableDefinition('x'),
    };
    for (const [name, definition] of Object.entries(expected)) {
      const table = tables[name];
      expect(table, name).toBeDefined();
      const p = table?.Properties ?? {};
      expect(p.BillingMode).toBe('PAY_PER_REQUEST');
      expect(p.DeletionProtectionEnabled).toBe(true);
      expect(p.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(p.SSESpecification).toMatchObject({ SSEEnabled: true });
      expect(p.KeySchema).toEqual(definition.KeySchema);
      const sortBy = <T extends { AttributeName?: string; IndexName?: string }>(xs: T[]) =>
        [...xs].sort((a, b) =>
          String(a.AttributeName ?? a.IndexName).localeCompare(String(b.AttributeName ?? b.IndexName)),
        );
      expect(sortBy(p.AttributeDefinitions as Array<{ AttributeName: string }>)).toEqual(
        sortBy(definition.AttributeDefinitions ?? []),
      );
      expect(sortBy((p.GlobalSecondaryIndexes ?? []) as Array<{ IndexName: string }>)).toEqual(
        sortBy(definition.GlobalSecondaryIndexes ?? []),
      );
    }
  });
});
