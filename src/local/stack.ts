import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal } from './dynamodb-local.js';
import { startMoto } from './moto.js';
import { assertCommandAvailable, assertPortFree } from './preflight.js';
import type { ManagedProcess } from './processes.js';
import { type AnchoringSeed, seedAnchoring } from './seed-anchoring.js';
import { type MotoSeed, SEED_CALL_COUNT, seedMoto } from './seed-aws.js';
import { createTables, type TableNames } from './tables.js';

export interface LocalStackOptions {
  host: string;
  dynamodbPort: number;
  motoPort: number;
  persistDir?: string;
  /** Seed the audit guide's issuances rule and queue (npm start); tests make their own. */
  demoEventRule?: boolean;
}

export interface LocalStack {
  dynamodbEndpoint: string;
  /** moto serves STS, IAM and S3 on one endpoint. */
  stsEndpoint: string;
  seed: MotoSeed;
  /** The digest key and bucket, and the example issuance queue (moto: KMS, S3, EventBridge, SQS). */
  anchoring: AnchoringSeed;
  tableNames: TableNames;
  stop(): Promise<void>;
}

const LOCAL_TABLE_NAMES: TableNames = {
  entitlements: 'credvend-entitlements',
  audit: 'credvend-audit',
  rateLimits: 'credvend-ratelimits',
  idempotency: 'credvend-idempotency',
  accessRequests: 'credvend-access-requests',
  requestables: 'credvend-requestables',
};

/** DynamoDB Local and moto, started, tabled and seeded; stops whatever it started if a step fails. */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  assertCommandAvailable(
    'java',
    ['-version'],
    'install a Java 17+ runtime (Debian: apt-get install openjdk-17-jre-headless)',
  );
  assertCommandAvailable('moto_server', ['--help'], "install it with pip install 'moto[server]'");
  await assertPortFree(options.host, options.dynamodbPort, 'CREDVEND_DYNAMODB_PORT');
  await assertPortFree(options.host, options.motoPort, 'CREDVEND_MOTO_PORT');

  const started: ManagedProcess[] = [];
  const stop = async () => {
    await Promise.all(started.splice(0).map((p) => p.stop()));
  };
  try {
    // allSettled, not all: if one process fails to start, the other may still be starting, and
    // it must be awaited and stopped too, or it outlives the failure and keeps this process alive.
    const [dynamodbResult, motoResult] = await Promise.allSettled([
      startDynamoDbLocal({
        host: options.host,
        port: options.dynamodbPort,
        ...(options.persistDir ? { persistDir: options.persistDir } : {}),
      }),
      startMoto({ host: options.host, port: options.motoPort, noAuthActionCount: SEED_CALL_COUNT }),
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
    try {
      await createTables(client, LOCAL_TABLE_NAMES);
    } finally {
      client.destroy();
    }
    const seed = await seedMoto(moto.endpoint);
    const anchoring = await seedAnchoring(moto.endpoint, seed.operator, {
      demoRule: options.demoEventRule ?? true,
    });
    return {
      anchoring,
      dynamodbEndpoint: dynamodb.endpoint,
      stsEndpoint: moto.endpoint,
      seed,
      tableNames: LOCAL_TABLE_NAMES,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
