import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type ManagedProcess, startManagedProcess } from './processes.js';

export interface DynamoDbLocal extends ManagedProcess {
  endpoint: string;
}

/** AWS's own DynamoDB Local jar, as shipped inside the amplify-dynamodb-simulator npm package. */
function dynamoDbLocalDirectory(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
}

export async function startDynamoDbLocal(options: {
  host: string;
  port: number;
  persistDir?: string;
}): Promise<DynamoDbLocal> {
  const dir = dynamoDbLocalDirectory();
  // DynamoDB Local will not create -dbPath itself, and a missing working directory makes spawn
  // fail with "spawn java ENOENT", which reads as if Java were missing.
  if (options.persistDir) await mkdir(options.persistDir, { recursive: true });
  // DynamoDB Local writes a metadata file into its working directory; keep it out of the checkout.
  const scratch = options.persistDir ? undefined : await mkdtemp(join(tmpdir(), 'credvend-dynamodb-'));
  const workDir = options.persistDir ?? scratch ?? tmpdir();
  const storage = options.persistDir ? ['-dbPath', options.persistDir] : ['-inMemory'];
  const process = await startManagedProcess({
    name: 'DynamoDB Local',
    command: 'java',
    args: [
      `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
      // Small heap: the stack runs beside the tests on a 2-core machine.
      '-Xmx512m',
      // The client compiler only: C2's optimising compiles never paid for themselves here. On this
      // 2-core machine (load 12-15), one workload of 6 audit tables, 240 puts and 1 920 byTime
      // Queries took 6.5 s of Java CPU instead of 15.8 (13 s wall instead of 26), four times that
      // workload 18 s instead of 43.5, and the emulator answered after 4 s of CPU instead of 7.
      '-XX:TieredStopAtLevel=1',
      '-jar',
      join(dir, 'DynamoDBLocal.jar'),
      ...storage,
      // One database whatever the access key: the API and the tests use different keys.
      '-sharedDb',
      '-port',
      String(options.port),
      '-disableTelemetry',
    ],
    cwd: workDir,
    host: options.host,
    port: options.port,
  });
  return {
    ...process,
    endpoint: `http://${options.host}:${options.port}`,
    stop: async () => {
      await process.stop();
      if (scratch) await rm(scratch, { recursive: true, force: true });
    },
  };
}
