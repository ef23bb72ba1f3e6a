import { isRecord, readServerlessYml } from './lambda-build.js';

/**
 * AWS list prices the cost models use: us-east-1, USD, as published on 2026-11-26 (on-demand,
 * first tier, no free tier). Change them here for another region or a later date.
 * API Gateway bills neither a request it throttles nor one its authorizer refuses (AWS's
 * answer on re:Post; the pricing page no longer says either way), so a rejection at the
 * edge is taken to cost nothing.
 */
export const PRICES = {
  date: '2026-11-26',
  region: 'us-east-1',
  httpApiPerMillion: 1.0,
  lambdaRequestsPerMillion: 0.2,
  lambdaArmPerGbSecond: 0.0000133334,
  dynamodbPerMillionWriteUnits: 0.625,
  dynamodbPerMillionReadUnits: 0.125,
  cloudWatchLogsIngestionPerGb: 0.5,
};

/**
 * Lambda gives a function CPU in proportion to its memory: one full vCPU at 1 769 MB (AWS
 * Lambda docs, "Memory and computing power"). Below it, CPU-bound work takes longer by this factor.
 */
export const FULL_VCPU_MB = 1769;

/** A function's memorySize in serverless.yml, in MB. */
export async function memorySizeOf(fn: string): Promise<number> {
  const document = await readServerlessYml();
  const functions = isRecord(document) ? document.functions : undefined;
  const settings = isRecord(functions) ? functions[fn] : undefined;
  const memory = isRecord(settings) ? settings.memorySize : undefined;
  if (typeof memory !== 'number') throw new Error(`serverless.yml: no memorySize for ${fn}`);
  return memory;
}
