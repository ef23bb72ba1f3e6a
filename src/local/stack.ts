import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { packagedTemplate } from './cloudformation/packaged-template.js';
import { startDynamoDbLocal } from './dynamodb-local.js';
import { type BootstrapKey, startIamGate } from './iam-gate/gate.js';
import { streamArnIn } from './iam-gate/operations-json.js';
import { startMoto } from './moto.js';
import { assertCommandAvailable, assertPortFree, findFreePort } from './preflight.js';
import type { ManagedProcess } from './processes.js';
import { type AnchoringSeed, seedAnchoring } from './seed-anchoring.js';
import {
  type AccessKey,
  LOCAL_DEPLOY_PARAMS,
  LOCAL_SECRET_ARN,
  LOCAL_STAGE,
  type MotoSeed,
  seedMoto,
  seedOperator,
  TARGET_ACCOUNT,
  VENDING_ACCOUNT,
} from './seed-aws.js';
import { LOCAL_SECRET_PURPOSES, type LocalSecrets, seedSecrets } from './seed-secrets.js';
import { createTables, type TableNames, tableStreamArn } from './tables.js';

export interface LocalStackOptions {
  host: string;
  dynamodbPort: number;
  /** The local AWS endpoint: the IAM gate listens here, moto behind it on a free port. */
  motoPort: number;
  persistDir?: string;
  /** Seed the audit guide's issuances rule and queue (npm start); tests make their own. */
  demoEventRule?: boolean;
}

export interface LocalStack {
  /** DynamoDB (and its streams) through the IAM gate: every caller's requests are judged there. */
  dynamodbEndpoint: string;
  /** The audit table's stream as DynamoDB Local names it: what the stream function is mapped to. */
  auditStreamArn: string;
  /** The IAM gate, in front of moto (STS, IAM, S3, KMS, …): every local AWS call goes here. */
  stsEndpoint: string;
  /** The accounts' root keys (seeding, operators) and the key the local Lambda service signs with. */
  roots: Record<string, AccessKey>;
  lambdaService: AccessKey;
  /** moto itself, behind the gate: only for reading its state (moto-api), never for AWS calls. */
  motoStateEndpoint: string;
  seed: MotoSeed;
  /** A vending-account user allowed everything: for tests and tooling, never a function's identity. */
  operator: AccessKey;
  /** The digest key and bucket, and the example issuance queue (moto: KMS, S3, EventBridge, SQS). */
  anchoring: AnchoringSeed;
  /** The secrets the local deploy parameters name, in moto's Secrets Manager, by purpose: their ARNs. */
  secrets: LocalSecrets;
  tableNames: TableNames;
  stop(): Promise<void>;
}

/** A fresh key per start, shaped like AWS's (AKIA + 16), known only to this process and the gate. */
function freshKey(): AccessKey {
  const id = randomBytes(10)
    .toString('base64')
    .replace(/[^A-Z0-9]/gi, '')
    .toUpperCase()
    .padEnd(16, 'X')
    .slice(0, 16);
  return { accessKeyId: `AKIA${id}`, secretAccessKey: randomBytes(30).toString('base64') };
}

function bootstrapKeys(roots: Record<string, AccessKey>, lambdaService: AccessKey): BootstrapKey[] {
  return [
    ...Object.entries(roots).map(([account, key]) => ({
      ...key,
      principal: { kind: 'root' as const, account, arn: `arn:aws:iam::${account}:root` },
    })),
    {
      ...lambdaService,
      principal: { kind: 'service', service: 'lambda.amazonaws.com', account: VENDING_ACCOUNT },
    },
  ];
}

const LOCAL_TABLE_NAMES: TableNames = {
  entitlements: 'credvend-entitlements',
  audit: 'credvend-audit',
  rateLimits: 'credvend-ratelimits',
  idempotency: 'credvend-idempotency',
  accessRequests: 'credvend-access-requests',
  requestables: 'credvend-requestables',
  activity: 'credvend-activity',
  reviews: 'credvend-reviews',
};

/** DynamoDB Local and moto, started, tabled and seeded; stops whatever it started if a step fails. */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  assertCommandAvailable(
    'java',
    'install a Java 17+ runtime (Debian: apt-get install openjdk-17-jre-headless)',
  );
  assertCommandAvailable('moto_server', "install it with pip install 'moto[server]'");
  await assertPortFree(options.host, options.dynamodbPort, 'CREDVEND_DYNAMODB_PORT');
  await assertPortFree(options.host, options.motoPort, 'CREDVEND_MOTO_PORT');

  const started: ManagedProcess[] = [];
  const stop = async () => {
    await Promise.all(started.splice(0).map((p) => p.stop()));
  };
  try {
    // The local IAM comes from the packaged template: packaged (or read from its cache) meanwhile.
    const template = packagedTemplate(LOCAL_STAGE, LOCAL_DEPLOY_PARAMS);
    template.catch(() => undefined);
    // allSettled, not all: if one process fails to start, the other may still be starting, and
    // it must be awaited and stopped too, or it outlives the failure and keeps this process alive.
    const [dynamodbResult, motoResult] = await Promise.allSettled([
      startDynamoDbLocal({
        host: options.host,
        port: options.dynamodbPort,
        ...(options.persistDir ? { persistDir: options.persistDir } : {}),
      }),
      findFreePort(options.host).then((port) => startMoto({ host: options.host, port })),
    ]);
    for (const result of [dynamodbResult, motoResult]) {
      if (result.status === 'fulfilled') started.push(result.value);
    }
    if (dynamodbResult.status === 'rejected') throw dynamodbResult.reason;
    if (motoResult.status === 'rejected') throw motoResult.reason;
    const dynamodb = dynamodbResult.value;
    const moto = motoResult.value;
    const client = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: dynamodb.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    let auditStreamArn: string;
    try {
      // As CloudFormation creates them: before any identity exists, so not through the gate.
      await createTables(client, LOCAL_TABLE_NAMES);
      auditStreamArn = await tableStreamArn(client, LOCAL_TABLE_NAMES.audit);
    } finally {
      client.destroy();
    }
    const roots = { [VENDING_ACCOUNT]: freshKey(), [TARGET_ACCOUNT]: freshKey() };
    const lambdaService = freshKey();
    const gate = await startIamGate({
      host: options.host,
      port: options.motoPort,
      region: 'us-east-1',
      motoEndpoint: moto.endpoint,
      dynamodbEndpoint: dynamodb.endpoint,
      bootstrap: bootstrapKeys(roots, lambdaService),
      ...(process.env.CREDVEND_GATE_LOG
        ? { onRefusal: (line) => process.stderr.write(`iam-gate: ${line}\n`) }
        : {}),
    });
    started.unshift({ name: 'IAM gate', stop: gate.stop });
    const operator = await seedOperator(gate.endpoint, roots);
    // Independent of each other (KMS, S3 and EventBridge; Secrets Manager): seeded side by side.
    const [anchoring, secrets] = await Promise.all([
      seedAnchoring(gate.endpoint, operator, { demoRule: options.demoEventRule ?? true }),
      seedSecrets(gate.endpoint, operator),
    ]);
    const seed = await seedMoto(gate.endpoint, roots, await template, {
      tables: LOCAL_TABLE_NAMES,
      digestKeyId: anchoring.digestKeyId,
      auditStreamArn: streamArnIn({ region: 'us-east-1', account: VENDING_ACCOUNT }, auditStreamArn),
      secretArns: Object.fromEntries(
        LOCAL_SECRET_PURPOSES.map((purpose) => [LOCAL_SECRET_ARN(purpose), secrets[purpose]]),
      ),
    });
    return {
      anchoring,
      secrets,
      dynamodbEndpoint: gate.endpoint,
      auditStreamArn,
      stsEndpoint: gate.endpoint,
      roots,
      lambdaService,
      motoStateEndpoint: moto.endpoint,
      seed,
      operator,
      tableNames: LOCAL_TABLE_NAMES,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
