/**
 * Cold start: every packaged function built as `serverless package` builds it, beside the
 * minimal reference handler (bench/reference/handler.ts) built the same way. Bytes, gzip
 * bytes (what Lambda downloads) and import time in a fresh `node` process: module parse,
 * evaluation and everything the handler builds at module scope. For vend and the reference
 * also the first issuance after the import (an API Gateway v2 event through the handler, a
 * fresh token, DynamoDB and STS answered by the stand-ins on loopback): what a cold caller
 * waits for, first-call SDK and JWKS work included. Runs are interleaved so drift hits every
 * bundle alike.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { type BuiltHandler, buildHandler, lambdaBuildOptions } from './lambda-build.js';
import { type StandInServer, startStandInServer } from './stand-in-server.js';
import { percentile } from './stats.js';

const run = promisify(execFile);

const FUNCTIONS = ['vend', 'audit', 'admin', 'requests', 'portal', 'digest', 'stream', 'rotation'] as const;
const REFERENCE = 'bench/reference/handler.ts';

/** What Lambda's environment holds for these functions (serverless.yml), with inert values. */
const LAMBDA_ENV: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench-key-id-never-used',
  AWS_SECRET_ACCESS_KEY: 'bench-secret-never-used',
  AWS_SESSION_TOKEN: 'bench-token-never-used',
  CREDVEND_OIDC_ISSUER: 'https://token.actions.githubusercontent.com',
  CREDVEND_SERVER_ID: 'credvend-bench',
  CREDVEND_DIGEST_BUCKET: 'credvend-bench-digests',
  CREDVEND_DIGEST_KEY_ID: 'arn:aws:kms:us-east-1:111111111111:key/bench',
  CREDVEND_LOG_LEVEL: 'info',
  ENTITLEMENTS_TABLE: 'credvend-entitlements',
  AUDIT_TABLE: 'credvend-audit',
};

/** serverless.yml's per-function environment, where a function has its own. */
const FUNCTION_ENV: Record<string, NodeJS.ProcessEnv> = {
  rotation: {
    CREDVEND_VENDING_IDENTITY: 'user',
    CREDVEND_VENDING_KEY_SECRET: 'arn:aws:secretsmanager:us-east-1:111111111111:secret:credvend-vending-key',
    CREDVEND_VENDING_USER_NAME: 'credvend-vending',
  },
};

/** The functions whose first issuance is timed after the import. */
const ISSUING = new Set(['vend', 'reference']);

/** An API Gateway HTTP API (payload 2.0) event for POST /v1/credentials. */
function issuanceEvent(headers: Record<string, string>): object {
  return {
    version: '2.0',
    routeKey: 'POST /v1/credentials',
    rawPath: '/v1/credentials',
    rawQueryString: '',
    headers: { host: 'api.example.com', 'content-type': 'application/json', ...headers },
    requestContext: {
      accountId: '111111111111',
      apiId: 'bench',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: {
        method: 'POST',
        path: '/v1/credentials',
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'bench',
      },
      requestId: 'bench-cold',
      routeKey: 'POST /v1/credentials',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    body: JSON.stringify({ entitlement: 'bench-cold' }),
    isBase64Encoded: false,
  };
}

/** Loopback endpoints for the functions' AWS clients and issuer. */
function standInEnv(server: StandInServer): NodeJS.ProcessEnv {
  return {
    CREDVEND_OIDC_ISSUER: server.url,
    CREDVEND_DYNAMODB_ENDPOINT: server.url,
    CREDVEND_STS_ENDPOINT: server.url,
    // The reference's clients take no endpoint option: the SDK's own variables point them.
    AWS_ENDPOINT_URL_DYNAMODB: server.url,
    AWS_ENDPOINT_URL_STS: server.url,
  };
}

interface Timing {
  importMs: number;
  /** CPU of the import alone: parse and evaluation, less inflated than wall time by other processes. */
  importCpuMs: number;
  /** Import and the first issuance, for the functions in ISSUING. */
  firstMs?: number;
  /** CPU the process spent on both: what Lambda bills beyond the waits, less inflated by a busy machine than wall time. */
  cpuMs: number;
}

/** Milliseconds from the start of `import()` to its end (and to the first issuance's answer), in a fresh process. */
async function importTime(name: string, file: string, server: StandInServer): Promise<Timing> {
  const issuing = ISSUING.has(name);
  const script = [
    'const t = performance.now();',
    'const cpu = process.cpuUsage();',
    `const m = await import(${JSON.stringify(pathToFileURL(file).href)});`,
    'const importMs = performance.now() - t;',
    'const importUsed = process.cpuUsage(cpu);',
    'const importCpuMs = (importUsed.user + importUsed.system) / 1000;',
    'let firstMs;',
    'if (process.env.BENCH_EVENT) {',
    '  const r = await m.handler(JSON.parse(process.env.BENCH_EVENT), { awsRequestId: "bench-cold", functionName: "bench" });',
    '  if (r.statusCode !== 200) throw new Error("first issuance answered " + r.statusCode + ": " + r.body);',
    '  firstMs = performance.now() - t;',
    '}',
    'const used = process.cpuUsage(cpu);',
    'const cpuMs = (used.user + used.system) / 1000;',
    // The function's own log lines share stdout: the timing is the line marked BENCH.
    'process.stdout.write("\\nBENCH " + JSON.stringify({ importMs, importCpuMs, firstMs, cpuMs }) + "\\n");',
  ].join('\n');
  const headers: Record<string, string> =
    name === 'reference'
      ? { 'x-subject': server.referenceSubject }
      : { authorization: `Bearer ${await server.mint()}` };
  const { stdout } = await run(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], {
    env: {
      ...LAMBDA_ENV,
      ...FUNCTION_ENV[name],
      ...standInEnv(server),
      ...(issuing ? { BENCH_EVENT: JSON.stringify(issuanceEvent(headers)) } : {}),
    },
  });
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH '));
  const parsed: unknown = JSON.parse(line?.slice('BENCH '.length) ?? 'null');
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    !('importMs' in parsed) ||
    typeof parsed.importMs !== 'number' ||
    !('cpuMs' in parsed) ||
    typeof parsed.cpuMs !== 'number' ||
    !('importCpuMs' in parsed) ||
    typeof parsed.importCpuMs !== 'number'
  )
    throw new Error(`${name}: no timing`);
  return {
    importMs: parsed.importMs,
    importCpuMs: parsed.importCpuMs,
    cpuMs: parsed.cpuMs,
    ...('firstMs' in parsed && typeof parsed.firstMs === 'number' ? { firstMs: parsed.firstMs } : {}),
  };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

/** The largest parts of a bundle, for the reader who wants to shrink it next. */
function topPackages(built: BuiltHandler, count: number): string {
  return [...built.byPackage]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, bytes]) => `${name} ${kb(bytes)}`)
    .join(', ');
}

export interface ColdStartFigures {
  /** vend bytes / reference bytes, vend import / reference import (medians). */
  vendBytesRatio: number;
  vendImportRatio: number;
  /** The same with the import's CPU time: the steadier figure on a shared machine. */
  vendImportCpuRatio: number;
  vendImportMs: number;
  referenceImportMs: number;
  /** Import and first issuance, medians; their ratio; and vend's CPU for both. */
  vendFirstIssuanceMs: number;
  vendFirstIssuanceCpuMs: number;
  referenceFirstIssuanceMs: number;
  vendFirstIssuanceRatio: number;
}

export async function benchColdStart(runs: number): Promise<ColdStartFigures> {
  const lambda = await lambdaBuildOptions();
  const dir = await mkdtemp(join(tmpdir(), 'credvend-bench-cold-'));
  const server = await startStandInServer();
  try {
    const entries: Array<[string, string]> = [
      ['reference', REFERENCE],
      ...FUNCTIONS.map((name): [string, string] => [name, `functions/${name}.ts`]),
    ];
    const built = new Map<string, BuiltHandler>();
    for (const [name, entry] of entries) built.set(name, await buildHandler(entry, join(dir, name), lambda));
    const samples = new Map<string, number[]>(entries.map(([name]) => [name, []]));
    const cpuSamples = new Map<string, number[]>(entries.map(([name]) => [name, []]));
    const firsts = new Map<string, number[]>([...ISSUING].map((name) => [name, []]));
    const vendCpu: number[] = [];
    // One warm-up round fills the OS file cache for node and every bundle.
    for (const [name] of entries) await importTime(name, built.get(name)?.file ?? '', server);
    for (let i = 0; i < runs; i++) {
      for (let k = 0; k < entries.length; k++) {
        const [name] = entries[(i + k) % entries.length] ?? ['reference'];
        const timing = await importTime(name, built.get(name)?.file ?? '', server);
        samples.get(name)?.push(timing.importMs);
        cpuSamples.get(name)?.push(timing.importCpuMs);
        if (timing.firstMs !== undefined) firsts.get(name)?.push(timing.firstMs);
        if (name === 'vend') vendCpu.push(timing.cpuMs);
      }
    }
    const median = (name: string) => percentile(samples.get(name) ?? [], 50);
    const cpuMedian = (name: string) => percentile(cpuSamples.get(name) ?? [], 50);
    const firstMedian = (name: string) => percentile(firsts.get(name) ?? [], 50);
    const reference = built.get('reference');
    if (!reference) throw new Error('reference handler not built');
    const refImport = median('reference');
    const refImportCpu = cpuMedian('reference');
    console.log(
      `\ncold start: bundles as serverless package builds them, import in a fresh node (median of ${runs})`,
    );
    console.log(
      `  function    bytes (x ref)       gzip (x ref)       import (x ref)        import CPU (x ref)`,
    );
    for (const [name] of entries) {
      const b = built.get(name);
      if (!b) continue;
      const cells = [
        `${kb(b.bytes).padStart(7)} (${(b.bytes / reference.bytes).toFixed(2)}x)`,
        `${kb(b.gzipBytes).padStart(7)} (${(b.gzipBytes / reference.gzipBytes).toFixed(2)}x)`,
        `${median(name).toFixed(1).padStart(6)} ms (${(median(name) / refImport).toFixed(2)}x)`,
        `${cpuMedian(name).toFixed(1).padStart(6)} ms (${(cpuMedian(name) / refImportCpu).toFixed(2)}x)`,
      ];
      console.log(`  ${name.padEnd(10)}  ${cells.join('   ')}`);
    }
    const vend = built.get('vend');
    if (!vend) throw new Error('vend not built');
    console.log(`  vend's largest parts: ${topPackages(vend, 8)}`);
    console.log(`  reference's largest parts: ${topPackages(reference, 5)}`);
    const vendFirst = firstMedian('vend');
    const refFirst = firstMedian('reference');
    console.log(
      `  import and first issuance (fresh token; DynamoDB, STS and JWKS on loopback): vend ${vendFirst.toFixed(1)} ms (${percentile(vendCpu, 50).toFixed(0)} ms CPU), reference ${refFirst.toFixed(1)} ms: ${(vendFirst / refFirst).toFixed(2)}x`,
    );
    console.log('  (targets: vend bytes and import <= 1.1x the reference)');
    return {
      vendBytesRatio: vend.bytes / reference.bytes,
      vendImportRatio: median('vend') / refImport,
      vendImportCpuRatio: cpuMedian('vend') / refImportCpu,
      vendImportMs: median('vend'),
      referenceImportMs: refImport,
      vendFirstIssuanceMs: vendFirst,
      vendFirstIssuanceCpuMs: percentile(vendCpu, 50),
      referenceFirstIssuanceMs: refFirst,
      vendFirstIssuanceRatio: vendFirst / refFirst,
    };
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}
