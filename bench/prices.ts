import { isRecord, readServerlessYml } from './lambda-build.js';

/**
 * AWS list prices the cost models use: us-east-1, USD, on-demand, first tier, no free tier,
 * as published on the date below (each service's pricing page). Change them here for another
 * region or a later date.
 * API Gateway bills neither a request it throttles nor one its authorizer refuses (AWS's
 * answer on re:Post; the pricing page no longer says either way), so a rejection at the
 * edge is taken to cost nothing.
 */
export const PRICES = {
  date: '2026-11-26',
  region: 'us-east-1',
  httpApiPerMillion: 1.0,
  lambdaRequestsPerMillion: 0.2,
  /** Billed for the INIT phase too (managed runtimes, since August 2025). */
  lambdaArmPerGbSecond: 0.0000133334,
  dynamodbPerMillionWriteUnits: 0.625,
  dynamodbPerMillionReadUnits: 0.125,
  dynamodbStoragePerGbMonth: 0.25,
  /** GetRecords by a Lambda trigger on a DynamoDB stream is free. */
  dynamodbStreamReadsByLambda: 0,
  eventBridgeCustomEventsPerMillion: 1.0,
  cloudWatchLogsIngestionPerGb: 0.5,
  cloudWatchLogsStoragePerGbMonth: 0.03,
  /** Sign with an asymmetric (ECC) key: the asymmetric request price; the key itself per month. */
  kmsAsymmetricPer10kRequests: 0.15,
  kmsKeyPerMonth: 1.0,
  s3PutPer1000: 0.005,
  s3StandardPerGbMonth: 0.023,
  dataTransferOutPerGb: 0.09,
};

/**
 * Lambda gives a function CPU in proportion to its memory: one full vCPU at 1 769 MB (AWS
 * Lambda docs, "Memory and computing power"). Below it, CPU-bound work takes longer by this factor.
 */
export const FULL_VCPU_MB = 1769;

/** A function's setting in serverless.yml (memorySize, say). */
async function functionSetting(fn: string, key: string): Promise<unknown> {
  const document = await readServerlessYml();
  const functions = isRecord(document) ? document.functions : undefined;
  const settings = isRecord(functions) ? functions[fn] : undefined;
  return isRecord(settings) ? settings[key] : undefined;
}

/** A function's memorySize in serverless.yml, in MB. */
export async function memorySizeOf(fn: string): Promise<number> {
  const memory = await functionSetting(fn, 'memorySize');
  if (typeof memory !== 'number') throw new Error(`serverless.yml: no memorySize for ${fn}`);
  return memory;
}

/** provider.logRetentionInDays in serverless.yml. */
export async function logRetentionDays(): Promise<number> {
  const document = await readServerlessYml();
  const provider = isRecord(document) ? document.provider : undefined;
  const days = isRecord(provider) ? provider.logRetentionInDays : undefined;
  return typeof days === 'number' ? days : 0;
}

/** A deploy parameter's default (serverless.yml `params.default`), as a number. */
export async function defaultParamDays(name: string): Promise<number> {
  const document = await readServerlessYml();
  const params = isRecord(document) ? document.params : undefined;
  const defaults = isRecord(params) ? params.default : undefined;
  const value = isRecord(defaults) ? defaults[name] : undefined;
  if (typeof value !== 'number') throw new Error(`serverless.yml: params.default.${name} is not a number`);
  return value;
}
