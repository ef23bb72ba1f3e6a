/**
 * The CLI people run all day: start-up (`credvend --version` beside `node -e 0`) and 20
 * `aws sts get-caller-identity` calls through a profile written by `credvend aws-config`
 * beside the same 20 calls with static credentials in the environment, plus the number of
 * issuances the 20 caused (the credential cache should make it exactly one).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { itemToAuditEvent } from '../src/aws/audit-items.js';
import { bundleCli } from '../src/cli/bundle.js';
import { credentialsResponse } from '../src/cli/wire.js';
import type { LocalEnvironment } from '../src/local/environment.js';
import { ms, summarize } from './stats.js';

const run = promisify(execFile);
const BIN = resolve('bin/credvend.js');

async function timed(file: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const start = performance.now();
  await run(file, [...args], { env });
  return performance.now() - start;
}

/**
 * Issuances audited with this reason: the table read as the stack's operator (the gate
 * refuses the vending user a Scan) and each record decoded, since the reason is packed.
 */
async function issuedWithReason(environment: LocalEnvironment, reason: string): Promise<number> {
  const { stack } = environment;
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: stack.dynamodbEndpoint,
    credentials: stack.operator,
  });
  let count = 0;
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: stack.tableNames.audit, ExclusiveStartKey: startKey }),
    );
    count += (page.Items ?? [])
      .map(itemToAuditEvent)
      .filter((e) => e.outcome === 'issued' && e.reason === reason).length;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  client.destroy();
  return count;
}

export async function benchCli(environment: LocalEnvironment, calls = 20): Promise<void> {
  await bundleCli();
  const dir = await mkdtemp(join(tmpdir(), 'credvend-bench-cli-'));
  try {
    const base: NodeJS.ProcessEnv = { ...process.env, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none') };
    delete base.AWS_PROFILE;
    const version: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < 20; i++) {
      bare.push(await timed(process.execPath, ['-e', '0'], base));
      version.push(await timed(process.execPath, [BIN, '--version'], base));
    }
    const v = summarize(version);
    const n = summarize(bare);
    // Start-up times swing with the machine's load (other processes share its cores): say it.
    console.log(`\nCLI start-up, 20 runs each, interleaved (load average ${loadavg()[0]?.toFixed(2)})`);
    console.log(`  credvend --version   p50 ${ms(v.p50)}`);
    console.log(`  node -e 0            p50 ${ms(n.p50)}`);
    console.log(`  ratio                ${(v.p50 / n.p50).toFixed(2)}× (target ≤ 1.3×)`);

    const reason = `bench-${randomUUID()}`;
    const env: NodeJS.ProcessEnv = {
      ...base,
      AWS_CONFIG_FILE: join(dir, 'aws-config'),
      CREDVEND_CONFIG: join(dir, 'credvend', 'config.json'),
      CREDVEND_API_URL: environment.apiUrl,
      CREDVEND_TOKEN: await environment.mintToken('alice@example.com'),
    };
    await run(process.execPath, [BIN, 'aws-config', '--write', '--reason', reason], { env });
    // The static credentials are vended first (under another reason, so they are not counted).
    const { stdout } = await run(
      process.execPath,
      [BIN, 'creds', 'demo-readonly', '--reason', `${reason}-static`, '--no-cache'],
      { env },
    );
    const { credentials } = credentialsResponse.parse(JSON.parse(stdout));
    const staticEnv: NodeJS.ProcessEnv = {
      ...base,
      AWS_CONFIG_FILE: join(dir, 'none'),
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SESSION_TOKEN: credentials.sessionToken,
    };
    // A cache hit as credential_process runs it, beside bare Node: the fast path (fast-path.ts).
    const hitArgs = [BIN, 'creds', 'demo-readonly', '--format', 'credential_process', '--reason', reason];
    await run(process.execPath, hitArgs, { env });
    const hits: number[] = [];
    const bareAgain: number[] = [];
    for (let i = 0; i < 20; i++) {
      bareAgain.push(await timed(process.execPath, ['-e', '0'], base));
      hits.push(await timed(process.execPath, hitArgs, env));
    }
    const h = summarize(hits);
    const b = summarize(bareAgain);
    console.log(
      `\ncached credential_process, 20 runs each, interleaved (load average ${loadavg()[0]?.toFixed(2)})`,
    );
    console.log(`  credvend creds (cache hit)  p50 ${ms(h.p50)}`);
    console.log(`  node -e 0                   p50 ${ms(b.p50)}`);
    console.log(`  ratio                       ${(h.p50 / b.p50).toFixed(2)}× (target ≤ 1.3×)`);

    // Interleaved, so a change in the machine's load falls on both sides alike. The first
    // profile call vends (the one issuance); the other 19 read the cache.
    const sts = ['sts', 'get-caller-identity', '--endpoint-url', environment.stack.stsEndpoint];
    const viaProfile: number[] = [];
    const withStatic: number[] = [];
    for (let i = 0; i < calls; i++) {
      viaProfile.push(await timed('aws', [...sts, '--profile', 'credvend-demo-readonly'], env));
      withStatic.push(await timed('aws', sts, staticEnv));
    }
    const p = summarize(viaProfile);
    const s = summarize(withStatic);
    const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    console.log(`\n${calls} × aws sts get-caller-identity, interleaved`);
    console.log(
      `  generated profile (credential_process, cached)  p50 ${ms(p.p50)}  total ${ms(total(viaProfile))}`,
    );
    console.log(
      `  static environment credentials                  p50 ${ms(s.p50)}  total ${ms(total(withStatic))}`,
    );
    console.log(
      `  ratio  ${(p.p50 / s.p50).toFixed(2)}× p50, ${(total(viaProfile) / total(withStatic)).toFixed(2)}× total (target ≤ 1.1×, issue 26)`,
    );
    console.log(
      `  issuances audited for the ${calls} profile calls: ${await issuedWithReason(environment, reason)} (target 1)`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
