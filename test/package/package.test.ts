import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import {
  accessRequestsTableDefinition,
  activityTableDefinition,
  auditTableDefinition,
  entitlementsTableDefinition,
  idempotencyTableDefinition,
  rateLimitsTableDefinition,
  requestablesTableDefinition,
  reviewsTableDefinition,
} from '../../src/aws/table-schema.js';
import { ROUTES as ROUTE_TABLE } from '../../src/http/routes.js';
import { deploy } from '../../src/local/cloudformation/resolve.js';
import { readCloudFormationYaml } from '../../src/local/cloudformation/yaml.js';
import { actionsOf, type PolicyStatement, policyStatements } from './policy-statements.js';
import { roleSessionAllows } from './role-simulation.js';
import { readZip } from './zip.js';

const run = promisify(execFile);

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}
interface Template {
  Conditions?: Record<string, unknown>;
  Resources: Record<string, Resource>;
}

/** A function as the packaged template declares it. */
interface PackagedFunction {
  logicalId: string;
  /** `functions/vend`: the handler module, without extension. */
  module: string;
  zip: string;
  role: string;
  environment: Record<string, unknown>;
  routes: Array<{ method: string; path: string; authorization?: string }>;
}

/** The route table, as serverless.yml must declare it: `METHOD path [AWS_IAM]` per function. */
const ROUTES: Record<string, string[]> = {};
for (const route of ROUTE_TABLE) {
  const key = [route.method, route.path, route.auth === 'aws_iam' ? 'AWS_IAM' : ''].filter(Boolean).join(' ');
  ROUTES[route.function] = [...(ROUTES[route.function] ?? []), key];
}
/** Functions started by events, not routes: the digest schedule and the audit table's stream. */
ROUTES.digest = [];
/** Scheduled: the revocation sweep. */
ROUTES.revocations = [];
ROUTES.reviews = [];
/** Scheduled: the follow-ups of just-in-time access. */
ROUTES.reminders = [];
ROUTES.stream = [];
/** Invoked by Secrets Manager (vendingIdentity=user). */
ROUTES.rotation = [];
/** Invoked by S3 for each CloudTrail log file (cloudTrailBucket). */
ROUTES.activity = [];

/** IAM actions of each SDK client package. */
const IAM_PREFIX: Record<string, string> = {
  dynamodb: 'dynamodb',
  sts: 'sts',
  iam: 'iam',
  kms: 'kms',
  s3: 's3',
  eventbridge: 'events',
  'secrets-manager': 'secretsmanager',
  sns: 'sns',
  sesv2: 'ses',
};

/** SDK commands whose IAM action has another name. */
const ACTION_OF_COMMAND: Record<string, string> = { 's3:ListObjectsV2': 's3:ListBucket' };

/** Granted for Lambda's event source mapping, which reads the stream on the function's behalf. */
const EVENT_SOURCE_ACTIONS: Record<string, string[]> = {
  stream: [
    'dynamodb:DescribeStream',
    'dynamodb:GetRecords',
    'dynamodb:GetShardIterator',
    'dynamodb:ListStreams',
  ],
};

/**
 * Calls made with credentials of a role in the target account, not with the function's
 * own role: they must be granted by deploy/target-account-role.yaml, never by serverless.yml.
 */
const TARGET_ACCOUNT_ACTIONS = new Set([
  'iam:ListAttachedRolePolicies',
  'iam:AttachRolePolicy',
  'iam:GetPolicy',
  'iam:GetPolicyVersion',
  'iam:ListPolicyVersions',
  'iam:CreatePolicy',
  'iam:CreatePolicyVersion',
  'iam:DeletePolicyVersion',
]);

const LOG_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'];
/** What Lambda's active tracing sends with the function's role (AWSXRayDaemonWriteAccess's writes). */
const TRACING_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];

/**
 * Target-account actions a function also calls with its own role: vend reads AWS managed
 * policies' documents (public to every account) to prove a narrowing inside them.
 */
const OWN_ROLE_IAM_READS: Record<string, string[]> = { vend: ['iam:GetPolicy', 'iam:GetPolicyVersion'] };

/** Signed with the new vending key under test, not with the function's role: needs no grant. */
const PERMISSIONLESS_ACTIONS = new Set(['sts:GetCallerIdentity']);
/** In vend's code for vendingIdentity=user; this packaging is the default, role. */
const VENDING_USER_ONLY_ACTIONS: Record<string, string[]> = { vend: ['secretsmanager:GetSecretValue'] };
/** Granted only when their sink is configured (test/package/notice-sinks.test.ts checks that case). */
const NOTICE_SINK_ACTIONS: Record<string, string[]> = {
  requests: ['sns:Publish', 'ses:SendEmail'],
  reviews: ['sns:Publish', 'ses:SendEmail'],
  reminders: ['sns:Publish', 'ses:SendEmail'],
};
/** Granted only when a secret is configured (test/package/secrets.test.ts checks that case). */
const CONFIGURED_SECRET_ACTIONS: Record<string, string[]> = {
  audit: ['secretsmanager:GetSecretValue'],
  requests: ['secretsmanager:GetSecretValue'],
  reviews: ['secretsmanager:GetSecretValue'],
  reminders: ['secretsmanager:GetSecretValue'],
};
/**
 * KMS calls a service makes on the caller's behalf, never in our code: Secrets Manager with
 * the vending key secret's key, S3 with the digest bucket's default encryption key.
 */
const SECRET_KEY_ACTIONS: Record<string, string[]> = {
  rotation: ['kms:Decrypt', 'kms:GenerateDataKey'],
  digest: ['kms:Decrypt', 'kms:GenerateDataKey'],
  audit: ['kms:Decrypt'],
};

/**
 * Our source files that survive tree-shaking into each entry's bundle (esbuild's metafile), for
 * all entries in one build: esbuild then parses the sources the functions share once, not once
 * per function (21 s instead of 61 at load 15, the same inputs per entry).
 */
async function bundledSources(
  entries: string[],
  esbuildOptions: Record<string, unknown>,
): Promise<Map<string, string[]>> {
  const result = await build({
    entryPoints: entries,
    bundle: true,
    write: false,
    metafile: true,
    outdir: 'unused',
    logLevel: 'silent',
    platform: esbuildOptions.platform as 'node',
    target: esbuildOptions.target as string,
    format: esbuildOptions.format as 'esm',
    minify: esbuildOptions.minify as boolean,
    keepNames: esbuildOptions.keepNames as boolean,
    external: (esbuildOptions.exclude as string[] | undefined) ?? [],
  });
  const byEntry = new Map<string, string[]>();
  for (const output of Object.values(result.metafile.outputs)) {
    if (!output.entryPoint) continue;
    byEntry.set(
      output.entryPoint,
      Object.entries(output.inputs)
        .filter(([path, input]) => !path.includes('node_modules') && input.bytesInOutput > 0)
        .map(([path]) => path),
    );
  }
  return byEntry;
}

/**
 * The IAM actions the code reachable from a handler calls: each `new XCommand(` in the sources
 * of its bundle (bundledSources), with X imported from an @aws-sdk client, is a call.
 */
async function actionsCalledBy(inputs: string[]): Promise<Set<string>> {
  const actions = new Set<string>();
  for (const path of inputs) {
    const source = await readFile(path, 'utf8');
    for (const [, names = '', client = ''] of source.matchAll(
      /import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/client-([a-z0-9-]+)'/g,
    )) {
      for (const name of names.split(',').map((n) => n.replace(/^\s*type\s+/, '').trim())) {
        // Transaction items built here are sent by aws/audited-transaction.ts: each is authorised per item.
        if (name === 'TransactWriteItem') {
          for (const [, kind] of source.matchAll(/\b(Put|Delete|Update|ConditionCheck):\s*\{/g))
            actions.add(`dynamodb:${kind}Item`);
          continue;
        }
        // A command sent directly, or through its paginator (paginateQuery sends Query).
        const sent = /^(\w+)Command$/.exec(name)?.[1];
        const paged = /^paginate(\w+)$/.exec(name)?.[1];
        const command = sent ?? paged;
        if (!command || !source.includes(sent ? `new ${name}(` : `${name}(`)) continue;
        const prefix = IAM_PREFIX[client];
        if (!prefix) throw new Error(`${path}: add @aws-sdk/client-${client} to IAM_PREFIX`);
        if (command === 'TransactWriteItems') {
          // Authorised per item: Put, Delete, Update, ConditionCheck.
          for (const [, kind] of source.matchAll(/\b(Put|Delete|Update|ConditionCheck):\s*\{/g))
            actions.add(`dynamodb:${kind}Item`);
        } else if (command === 'TransactGetItems') {
          actions.add('dynamodb:GetItem');
        } else {
          actions.add(ACTION_OF_COMMAND[`${prefix}:${command}`] ?? `${prefix}:${command}`);
        }
        if (command === 'AssumeRole') {
          if (/\bTags\b/.test(source)) actions.add('sts:TagSession');
          if (/\bSourceIdentity\b/.test(source)) actions.add('sts:SetSourceIdentity');
        }
      }
    }
  }
  return actions;
}

/** The packaged template as CloudFormation would deploy it in the smoke account. */
const deployed = (template: Template) =>
  deploy(template, { accountId: '111111111111', region: 'us-east-1', stackName: 'credvend-test' });

/**
 * Imports a bundle the way the Lambda runtime does (a fresh Node process, only the function's
 * environment) and sends it API Gateway v2 events; prints the results after a marker, since
 * the function logs to stdout too.
 */
const INVOKER = `
const [bundle, requests] = process.argv.slice(1);
const started = performance.now();
const { handler } = await import(bundle);
const initMs = performance.now() - started;
const results = [];
for (const { method, path } of JSON.parse(requests)) {
  const requestContext = {
    accountId: '111111111111', apiId: 'smoke', domainName: 'smoke', domainPrefix: 'smoke', requestId: 'smoke',
    routeKey: method + ' ' + path, stage: '$default', time: '', timeEpoch: Date.now(),
    http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'smoke' },
    authorizer: { iam: { userArn: 'arn:aws:iam::111111111111:user/smoke' } },
  };
  const hasBody = method === 'POST' || method === 'PUT';
  const response = await handler({
    version: '2.0', routeKey: requestContext.routeKey, rawPath: path, rawQueryString: '',
    headers: { host: 'smoke', ...(hasBody ? { 'content-type': 'application/json' } : {}) },
    ...(hasBody ? { body: '{}' } : {}), requestContext, isBase64Encoded: false,
  }, { awsRequestId: 'smoke' });
  results.push({ method, path, status: response.statusCode, body: String(response.body ?? '') });
}
process.stdout.write('\\n@@result ' + JSON.stringify({ initMs, results }) + '\\n');
`;

/** `serverless package` runs offline: this is the artefact `serverless deploy` would upload. */
describe('serverless package', () => {
  let dir: string;
  let smokeDir: string;
  let template: Template;
  let esbuildOptions: Record<string, unknown>;
  let functions: PackagedFunction[];

  beforeAll(async () => {
    // The global setup's defaults packaging (`--stage test`, no parameters): packaging again
    // would cost ~25 s and test the same artefact.
    dir = inject('packaged').defaults;
    smokeDir = await mkdtemp(join(tmpdir(), 'credvend-smoke-'));
    template = JSON.parse(
      await readFile(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'),
    ) as Template;
    const state = JSON.parse(await readFile(join(dir, 'serverless-state.json'), 'utf8')) as {
      service: { custom: { esbuild: Record<string, unknown> } };
    };
    esbuildOptions = state.service.custom.esbuild;
    const routes = resources('AWS::ApiGatewayV2::Route').map(([, route]) => {
      const [method = '', path = ''] = String(route.Properties.RouteKey).split(' ');
      const integration = JSON.stringify(route.Properties.Target).match(/"Ref":"(\w+)"/)?.[1] ?? '';
      // API Gateway invokes each function's live alias (test/package/deployment.test.ts).
      const alias = JSON.stringify(template.Resources[integration]?.Properties.IntegrationUri).match(
        /"Ref":"(\w+)"/,
      )?.[1];
      const uri = JSON.stringify(template.Resources[alias ?? '']?.Properties.FunctionName);
      return {
        method,
        path,
        ...(route.Properties.AuthorizationType
          ? { authorization: String(route.Properties.AuthorizationType) }
          : {}),
        functionId: uri.match(/"Ref":"(\w+)"/)?.[1],
      };
    });
    functions = resources('AWS::Lambda::Function').map(([logicalId, fn]) => {
      const p = fn.Properties as {
        Handler: string;
        Code: { S3Key: string };
        Role: unknown;
        Environment?: { Variables: Record<string, unknown> };
      };
      return {
        logicalId,
        module: p.Handler.replace(/\.[^.]+$/, ''),
        zip: basename(p.Code.S3Key),
        role: JSON.stringify(p.Role).match(/"Fn::GetAtt":\["(\w+)"/)?.[1] ?? JSON.stringify(p.Role),
        environment: p.Environment?.Variables ?? {},
        routes: routes.filter((r) => r.functionId === logicalId).map(({ functionId: _, ...route }) => route),
      };
    });
    return () => rm(smokeDir, { recursive: true, force: true });
  }, 60_000);

  const resources = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);
  /** A role's statements as this packaging deploys them: each Fn::If decided by its condition. */
  const allowStatementsOf = (roleId: string) =>
    policyStatements(deployed(template).resolve(template.Resources[roleId]?.Properties.Policies)).filter(
      (s) => s.Effect === 'Allow',
    );
  const nameOf = (fn: PackagedFunction) => basename(fn.module);

  it('declares the HTTP API of the design, with the IAM authorizer on /v1/iam/... only', () => {
    const declared = Object.fromEntries(
      functions.map((fn) => [
        nameOf(fn),
        fn.routes.map((r) => [r.method, r.path, r.authorization].filter(Boolean).join(' ')).sort(),
      ]),
    );
    expect(declared).toEqual(Object.fromEntries(Object.entries(ROUTES).map(([k, v]) => [k, [...v].sort()])));
    // No JWT authorizer: it would reject the CredvendAWS scheme; the functions verify tokens.
    expect(resources('AWS::ApiGatewayV2::Authorizer')).toEqual([]);
  });

  it('packages each declared function alone with its handler, small and without dev dependencies', async () => {
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      const files = await readZip(join(dir, fn.zip));
      const file = `${fn.module}${esbuildOptions.outputFileExtension ?? '.js'}`;
      expect([...files.keys()], fn.zip).toEqual([file]);
      const code = files.get(file)?.toString('utf8') ?? '';
      expect(code).toMatch(/export\s*\{[^}]*\bhandler\b/);
      const zipBytes = (await readFile(join(dir, fn.zip))).byteLength;
      console.log(
        `${fn.zip} ${(zipBytes / 1024).toFixed(0)} KiB (bundle ${(code.length / 1024).toFixed(0)} KiB)`,
      );
      expect(zipBytes).toBeLessThan(600 * 1024);
      // Markers of code that must never ship: the document client, test and dev tooling, the
      // local stack; the IAM client only where revocations are written or the vending key rotated.
      const markers = [
        'DynamoDBDocumentClient',
        'aws-sdk-client-mock',
        '@vitest/',
        'fast-check',
        '@biomejs',
        'DynamoDBLocal',
        'moto_server',
        // The local IAM gate and its AGPL evaluator (iam-simulate): dev and test only.
        'the local IAM gate',
        'ImplicitlyDenied',
        // (and in vend, which reads AWS managed policies to prove a narrowing inside them).
        ...(['admin', 'requests', 'revocations', 'rotation', 'vend'].includes(nameOf(fn))
          ? []
          : ['IAMClient']),
        // Secrets Manager: the vending key's secret (vend with vendingIdentity=user, rotation) and
        // the configured secrets (vend: idempotency, audit: cursors, requests: notices and Slack,
        // reviews: notices to reviewers, reminders: the follow-ups' notices).
        ...(['vend', 'rotation', 'audit', 'requests', 'reviews', 'reminders'].includes(nameOf(fn))
          ? []
          : ['SecretsManagerClient']),
        // Digests: S3 and KMS only where they are written or verified; EventBridge only in stream.
        // S3 also where CloudTrail log files are read.
        ...(['digest', 'audit', 'activity'].includes(nameOf(fn)) ? [] : ['S3Client']),
        ...(['digest', 'audit'].includes(nameOf(fn)) ? [] : ['KMSClient']),
        ...(nameOf(fn) === 'stream' ? [] : ['EventBridgeClient']),
        // Classic zod (its schema classes, about 105 KB): vend validates with zod/mini (src/zod-mini.ts).
        ...(nameOf(fn) === 'vend' ? ['"ZodObject"'] : []),
      ];
      expect(
        markers.filter((marker) => code.includes(marker)),
        fn.zip,
      ).toEqual([]);
    }
  });

  it('starts each bundle with its packaged environment and serves every route declared for it', async () => {
    const loggedErrorNames: string[] = [];
    for (const fn of functions) {
      const files = await readZip(join(dir, fn.zip));
      const [file, code] = [...files][0] ?? [];
      const bundle = join(smokeDir, nameOf(fn), file ?? '');
      await mkdir(join(bundle, '..'), { recursive: true });
      await writeFile(bundle, code ?? '');
      const environment: Record<string, string> = {};
      const smoke = deployed(template);
      for (const [key, value] of Object.entries(fn.environment)) {
        const resolved = smoke.resolve(value);
        if (resolved !== undefined) environment[key] = String(resolved);
      }
      const requests = fn.routes.map((r) => ({ method: r.method, path: r.path.replace(/\{\w+\}/g, 'x') }));
      const { stdout } = await run(
        process.execPath,
        ['--input-type=module', '-e', INVOKER, `file://${bundle}`, JSON.stringify(requests)],
        {
          env: {
            PATH: process.env.PATH,
            ...environment,
            AWS_REGION: 'us-east-1',
            AWS_LAMBDA_FUNCTION_NAME: `credvend-test-${nameOf(fn)}`,
            AWS_ACCESS_KEY_ID: 'smoke',
            AWS_SECRET_ACCESS_KEY: 'smoke',
            // Nothing listens there: AWS calls fail at once, routing is what is tested.
            CREDVEND_DYNAMODB_ENDPOINT: 'http://127.0.0.1:9',
            CREDVEND_STS_ENDPOINT: 'http://127.0.0.1:9',
            // The smoke caller may use every route, so an unrouted path is a 404, not a 403.
            CREDVEND_AUDITORS: 'arn:aws:iam::111111111111:user/smoke',
            CREDVEND_ADMINS: 'arn:aws:iam::111111111111:user/smoke',
          },
          timeout: 60_000,
        },
      ).catch((error: { stderr?: string }) => {
        // Node echoes the throwing source line: one minified megabyte. Keep the message and stack.
        const stderr = error.stderr?.split('\n').filter((line) => line.length < 400);
        throw new Error(`${fn.zip} failed to start: ${stderr?.join('\n') ?? String(error)}`);
      });
      const marker = stdout.lastIndexOf('@@result ');
      expect(marker, stdout).toBeGreaterThanOrEqual(0);
      const { initMs, results } = JSON.parse(stdout.slice(marker + 9)) as {
        initMs: number;
        results: Array<{ method: string; path: string; status: number; body: string }>;
      };
      console.log(`${nameOf(fn)}: module init ${initMs.toFixed(0)} ms on this machine`);
      // Minified, an error class would log as a letter: its name must survive bundling.
      const errorNames = [...stdout.matchAll(/"errorName":"([^"]*)"/g)].map(([, name = '']) => name);
      for (const name of errorNames)
        expect(name, `${fn.zip} logs an error as ${name}`).toMatch(/^[A-Z]\w{3,}$/);
      loggedErrorNames.push(...errorNames);
      for (const result of results) {
        expect(result.status, `${result.method} ${result.path}`).toBeTypeOf('number');
        expect(result.body, `${nameOf(fn)} does not serve ${result.method} ${result.path}`).not.toMatch(
          /no route for/,
        );
      }
      if (fn.routes.some((r) => r.path === '/healthz')) {
        expect(results.find((r) => r.path === '/healthz')).toMatchObject({ status: 200 });
      }
    }
    // With every AWS endpoint unreachable, the store errors are logged: by their class names.
    expect(loggedErrorNames).toEqual(
      expect.arrayContaining(['EntitlementStoreUnavailableError', 'InvalidRequestError']),
    );
  });

  it('gives every function its own role and no Allow statement a * action or resource', () => {
    const roles = new Set(functions.map((fn) => fn.role));
    expect(roles.size).toBe(functions.length);
    for (const role of roles) expect(template.Resources[role]?.Type, role).toBe('AWS::IAM::Role');
    // Every policy in the template, including the deployment bucket's (whose `s3:*` is a Deny
    // of plain-HTTP access, the one wildcard allowed: it takes rights away).
    for (const statement of policyStatements(template.Resources).filter((s) => s.Effect === 'Allow')) {
      const where = JSON.stringify(statement);
      expect(statement.NotAction, where).toBeUndefined();
      expect(statement.NotResource, where).toBeUndefined();
      for (const action of actionsOf(statement)) expect(action, where).not.toContain('*');
      // X-Ray's write actions have no resource type: IAM takes them only on `*`, and only them.
      const tracingOnly = actionsOf(statement).every((a) => TRACING_ACTIONS.includes(a));
      for (const resource of [statement.Resource ?? []].flat())
        if (!tracingOnly) expect(resource, where).not.toBe('*');
    }
    for (const [name, fn] of resources('AWS::Lambda::Function')) {
      expect(fn.Properties.Runtime, name).toBe('nodejs22.x');
      expect(fn.Properties.Architectures, name).toEqual(['arm64']);
    }
  });

  it("grants each function's role exactly the AWS calls its bundled code makes", async () => {
    const targetTemplate = (await readCloudFormationYaml('deploy/target-account-role.yaml')) as {
      Resources: Record<string, unknown>;
    };
    const targetAccountGrants = new Set(
      policyStatements(targetTemplate.Resources)
        .filter((s) => s.Effect === 'Allow')
        .flatMap(actionsOf),
    );
    const entryOf = (fn: PackagedFunction) =>
      ['.ts', '.js'].map((ext) => `${fn.module}${ext}`).find((path) => existsSync(path));
    const entries = functions.map(entryOf).filter((entry): entry is string => entry !== undefined);
    const sources = await bundledSources(entries, esbuildOptions);
    for (const fn of functions) {
      const entry = entryOf(fn);
      expect(entry, fn.module).toBeDefined();
      const inputs = sources.get(entry ?? '');
      expect(inputs, `${entry} in the metafile`).toBeDefined();
      const called = await actionsCalledBy(inputs ?? []);
      const userOnly = [
        ...(VENDING_USER_ONLY_ACTIONS[nameOf(fn)] ?? []),
        ...(NOTICE_SINK_ACTIONS[nameOf(fn)] ?? []),
        ...(CONFIGURED_SECRET_ACTIONS[nameOf(fn)] ?? []),
      ];
      const ownReads = OWN_ROLE_IAM_READS[nameOf(fn)] ?? [];
      const own = [...called].filter(
        (a) =>
          (!TARGET_ACCOUNT_ACTIONS.has(a) || ownReads.includes(a)) &&
          !PERMISSIONLESS_ACTIONS.has(a) &&
          !userOnly.includes(a),
      );
      const granted = allowStatementsOf(fn.role).flatMap(actionsOf);
      expect(new Set(granted).size, `${fn.role} repeats an action`).toBeLessThanOrEqual(granted.length);
      expect([...new Set(granted)].sort(), `${fn.role} vs the calls in ${entry}`).toEqual(
        [
          ...own,
          ...LOG_ACTIONS,
          // Sent by Lambda with the function's role when tracing is active (TracingConfig).
          ...TRACING_ACTIONS,
          ...(EVENT_SOURCE_ACTIONS[nameOf(fn)] ?? []),
          ...(SECRET_KEY_ACTIONS[nameOf(fn)] ?? []),
        ].sort(),
      );
      for (const action of called) {
        if (TARGET_ACCOUNT_ACTIONS.has(action)) expect(targetAccountGrants, action).toContain(action);
      }
      // The function writes only its own log group (pre-created with its retention).
      const logs = allowStatementsOf(fn.role).filter((s) => actionsOf(s).some((a) => a.startsWith('logs:')));
      expect(JSON.stringify(logs.map((s) => s.Resource))).toContain(
        `log-group:/aws/lambda/credvend-test-${nameOf(fn)}:*`,
      );
    }
  });

  it('lets vend read AWS managed policies and no other policy (judged by the IAM simulator)', async () => {
    const vend = functions.find((fn) => nameOf(fn) === 'vend');
    const policies = deployed(template).resolve(
      template.Resources[vend?.role ?? '']?.Properties.Policies,
    ) as Array<{
      PolicyDocument: object;
    }>;
    const documents = policies.map((p) => p.PolicyDocument);
    const allows = (action: string, resource: string) => roleSessionAllows(documents, { action, resource });
    for (const action of ['iam:GetPolicy', 'iam:GetPolicyVersion']) {
      expect(await allows(action, 'arn:aws:iam::aws:policy/ReadOnlyAccess'), action).toBe(true);
      expect(await allows(action, 'arn:aws:iam::aws:policy/job-function/ViewOnlyAccess'), action).toBe(true);
      expect(await allows(action, 'arn:aws:iam::111111111111:policy/team'), action).toBe(false);
      expect(await allows(action, 'arn:aws:iam::222222222222:policy/team'), action).toBe(false);
    }
    expect(await allows('iam:ListPolicies', '*')).toBe(false);
  });

  it('keeps the audit table append-only (but the digest function’s TTL hold) and entitlements read-only outside admin, requests and reviews', () => {
    // A statement is about a table if its resources are the table's ARN or an index's under it.
    const stack = deployed(template);
    const on = (s: PolicyStatement, table: string) =>
      new RegExp(`:table/${stack.ref(table)}(?=["/])`).test(JSON.stringify(s.Resource));
    const writes = /^dynamodb:(Put|Update|Delete|BatchWrite)Item$/;
    for (const fn of functions) {
      for (const statement of allowStatementsOf(fn.role)) {
        const where = `${fn.role}: ${JSON.stringify(statement)}`;
        // The one update: the digest function holding back a TTL (expiresAt), nothing else of a record.
        const holdsTtl =
          nameOf(fn) === 'digest' &&
          JSON.stringify(actionsOf(statement)) === '["dynamodb:UpdateItem"]' &&
          JSON.stringify(statement.Condition) ===
            JSON.stringify({
              'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['eventId', 'expiresAt'] },
              StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
            });
        if (on(statement, 'AuditTable') && !holdsTtl)
          expect(actionsOf(statement), where).not.toContainEqual(
            expect.stringMatching(/^dynamodb:(Update|Delete|BatchWrite)Item$/),
          );
        // requests writes a grant's entitlement rows (and deletes them on early revocation);
        // reviews applies a review's default at its deadline (removes an entitlement, or sets
        // its notAfter), through the admin's versioned write.
        if (!['admin', 'requests', 'reviews'].includes(nameOf(fn)) && on(statement, 'EntitlementsTable'))
          expect(actionsOf(statement), where).not.toContainEqual(expect.stringMatching(writes));
      }
    }
  });

  it('protects every table and declares exactly the keys and indexes the code uses', () => {
    const tables = Object.fromEntries(resources('AWS::DynamoDB::Table'));
    const expected = {
      EntitlementsTable: entitlementsTableDefinition('x'),
      AuditTable: auditTableDefinition('x'),
      RateLimitsTable: rateLimitsTableDefinition('x'),
      IdempotencyTable: idempotencyTableDefinition('x'),
      AccessRequestsTable: accessRequestsTableDefinition('x'),
      RequestablesTable: requestablesTableDefinition('x'),
      ActivityTable: activityTableDefinition('x'),
      ReviewsTable: reviewsTableDefinition('x'),
    };
    expect(Object.keys(tables).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, definition] of Object.entries(expected)) {
      const table = tables[name];
      expect(table, name).toBeDefined();
      expect(table?.DeletionPolicy, name).toBe('Retain');
      expect(table?.UpdateReplacePolicy, name).toBe('Retain');
      const p = table?.Properties ?? {};
      expect(p.TableName, name).toMatch(/^credvend-test-/);
      expect(p.BillingMode).toBe('PAY_PER_REQUEST');
      expect(p.DeletionProtectionEnabled).toBe(true);
      expect(p.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(p.SSESpecification).toMatchObject({ SSEEnabled: true, SSEType: 'KMS' });
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
    // Audit records expire after the hot window (`expiresAt`, set at write), exported before.
    expect(tables.AuditTable?.Properties.TimeToLiveSpecification).toEqual({
      AttributeName: 'expiresAt',
      Enabled: true,
    });
  });

  it('keeps function and API access logs for a year', () => {
    const groups = resources('AWS::Logs::LogGroup');
    expect(groups.length).toBe(functions.length + 1);
    for (const [name, group] of groups) expect(group.Properties.RetentionInDays, name).toBe(365);
    const stage = resources('AWS::ApiGatewayV2::Stage')[0]?.[1];
    expect(String((stage?.Properties.AccessLogSettings as { Format?: string })?.Format)).toContain(
      '$context.identity.userArn',
    );
  });

  it('lets only the digest function sign digests and write the digest bucket, which keeps every version', () => {
    // Statements are resolved: resources are the deployed bucket's name and the key's ARN.
    const stack = deployed(template);
    const digestBucket = String(stack.ref('DigestBucket'));
    const digestKeys = [String(stack.ref('DigestKey')), String(stack.ref('DigestBucketKey'))];
    const touches = (s: PolicyStatement, physical: string) => JSON.stringify(s.Resource).includes(physical);
    const signers: string[] = [];
    const writers: string[] = [];
    for (const fn of functions) {
      for (const statement of allowStatementsOf(fn.role)) {
        if (actionsOf(statement).includes('kms:Sign')) signers.push(nameOf(fn));
        if (touches(statement, digestBucket) && actionsOf(statement).some((a) => /^s3:(Put|Delete)/.test(a)))
          writers.push(nameOf(fn));
      }
    }
    expect(signers).toEqual(['digest']);
    expect(writers).toEqual(['digest']);
    // Vend may not read digests either; audit reads them and the public key, to verify.
    const vend = functions.find((fn) => nameOf(fn) === 'vend');
    for (const physical of [digestBucket, ...digestKeys])
      expect(JSON.stringify(allowStatementsOf(vend?.role ?? ''))).not.toContain(physical);

    const key = template.Resources.DigestKey?.Properties ?? {};
    expect(key).toMatchObject({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    const bucket = template.Resources.DigestBucket?.Properties ?? {};
    expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.ObjectLockEnabled).toBe(true);
    expect(bucket.ObjectLockConfiguration).toMatchObject({
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 2557 } },
    });
    expect(bucket.BucketEncryption).toMatchObject({
      ServerSideEncryptionConfiguration: [
        {
          ServerSideEncryptionByDefault: {
            SSEAlgorithm: 'aws:kms',
            KMSMasterKeyID: { 'Fn::GetAtt': ['DigestBucketKey', 'Arn'] },
          },
        },
      ],
    });
    // The bucket policy refuses writes by anyone but the digest role, whatever IAM grants.
    const denies = policyStatements(template.Resources.DigestBucketPolicy).filter((s) => s.Effect === 'Deny');
    expect(JSON.stringify(denies)).toMatch(/"s3:PutObject".*DigestRole/);

    const stream = functions.find((fn) => nameOf(fn) === 'stream');
    const mapping = resources('AWS::Lambda::EventSourceMapping')[0]?.[1].Properties ?? {};
    expect(JSON.stringify(mapping.EventSourceArn)).toContain('AuditTable');
    // The stream invokes the stream function through its live alias (test/package/deployment.test.ts).
    const alias = (mapping.FunctionName as { Ref?: string } | undefined)?.Ref ?? '';
    expect(template.Resources[alias]?.Properties.FunctionName).toEqual({ Ref: stream?.logicalId ?? 'none' });
    expect(template.Resources.AuditTable?.Properties.StreamSpecification).toEqual({
      StreamViewType: auditTableDefinition('x').StreamSpecification?.StreamViewType,
    });
  });
});
