import type { TestProject } from 'vitest/node';
import { bundleCli } from '../../src/cli/bundle.js';
import { startLocalEnvironment } from '../../src/local/environment.js';
import type { LocalFunction } from '../../src/local/function-identities.js';
import { findFreePort } from '../../src/local/preflight.js';
import type { LocalDeployment } from '../../src/local/seed-aws.js';
import { startFakeFederation } from '../fixtures/fake-federation.js';

export interface StackInfo {
  apiUrl: string;
  issuer: string;
  dynamodbEndpoint: string;
  stsEndpoint: string;
  /** moto behind the IAM gate, for reading its state only (moto-api/data.json). */
  motoStateEndpoint: string;
  credvendEnv: Record<string, string>;
  vendingAccessKeyId: string;
  /** The vending user's key as the vend function's role reads it (vendingIdentity=user). */
  vendingKeySecretArn: string;
  vendingSecretAccessKey: string;
  targetAccountId: string;
  roles: { readonly: string; deploy: string; rotated: string };
  externalId: string;
  bucket: string;
  revokerRoleArn: string;
  /** Each function's role (from the packaged template) and the key Lambda assumes them with. */
  functionRoles: Partial<Record<LocalFunction, string>>;
  /** What the packaged template was deployed with (tables, keys, secrets, the audit stream). */
  deployment: LocalDeployment;
  lambdaService: { accessKeyId: string; secretAccessKey: string };
  /** Allowed everything in the vending account: for a test's own fixtures, never a function's identity. */
  operator: { accessKeyId: string; secretAccessKey: string };
  digestKeyId: string;
  digestBucket: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackInfo;
  }
}

/** One real local stack (DynamoDB Local + moto + API on free ports) for all integration files. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const host = '127.0.0.1';
  // The e2e tests run bin/credvend.js as users do: rebuild it from the sources under test,
  // while the stack starts (its emulators spend most of their start waiting for themselves).
  const bundled = bundleCli();
  bundled.catch(() => undefined);
  const federation = await startFakeFederation();
  // A failed start must not leave the federation server listening: vitest would then never
  // exit, and CI would wait for its timeout instead of reporting the failure.
  const environment = await startLocalEnvironment({
    federationEndpoint: federation.endpoint,
    host,
    apiPort: await findFreePort(host),
    dynamodbPort: await findFreePort(host),
    motoPort: await findFreePort(host),
    logLevel: 'silent',
    // moto spends ~20 ms per delivery on a rule target: the stream test makes its own rule.
    demoEventRule: false,
  }).catch(async (error: unknown) => {
    await federation.close();
    throw error;
  });
  await bundled.catch(async (error: unknown) => {
    await environment.stop();
    await federation.close();
    throw error;
  });
  const { stack } = environment;
  project.provide('stack', {
    apiUrl: environment.apiUrl,
    issuer: environment.issuer,
    dynamodbEndpoint: stack.dynamodbEndpoint,
    stsEndpoint: stack.stsEndpoint,
    motoStateEndpoint: stack.motoStateEndpoint,
    credvendEnv: environment.credvendEnv,
    vendingAccessKeyId: stack.seed.vendingAccessKeyId,
    vendingKeySecretArn: stack.seed.vendingKeySecretArn,
    vendingSecretAccessKey: stack.seed.vendingSecretAccessKey,
    targetAccountId: stack.seed.targetAccountId,
    roles: stack.seed.roles,
    externalId: stack.seed.externalId,
    bucket: stack.seed.bucket,
    revokerRoleArn: stack.seed.revokerRoleArn,
    functionRoles: stack.seed.functionRoles,
    deployment: stack.seed.deployment,
    lambdaService: stack.lambdaService,
    operator: stack.operator,
    digestKeyId: stack.anchoring.digestKeyId,
    digestBucket: stack.anchoring.digestBucket,
  });
  return async () => {
    await environment.stop();
    await federation.close();
  };
}
