import type { TestProject } from 'vitest/node';
import { bundleCli } from '../../src/cli/bundle.js';
import { startLocalEnvironment } from '../../src/local/environment.js';
import { findFreePort } from '../../src/local/preflight.js';
import { startFakeFederation } from '../fixtures/fake-federation.js';

export interface StackInfo {
  apiUrl: string;
  issuer: string;
  dynamodbEndpoint: string;
  stsEndpoint: string;
  credvendEnv: Record<string, string>;
  vendingAccessKeyId: string;
  vendingSecretAccessKey: string;
  targetAccountId: string;
  roles: { readonly: string; deploy: string };
  externalId: string;
  bucket: string;
  revokerRoleArn: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackInfo;
  }
}

/** One real local stack (DynamoDB Local + moto + API on free ports) for all integration files. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const host = '127.0.0.1';
  // The e2e tests run bin/credvend.js as users do: rebuild it from the sources under test.
  await bundleCli();
  const federation = await startFakeFederation();
  const environment = await startLocalEnvironment({
    federationEndpoint: federation.endpoint,
    host,
    apiPort: await findFreePort(host),
    dynamodbPort: await findFreePort(host),
    motoPort: await findFreePort(host),
    logLevel: 'silent',
  });
  const { stack } = environment;
  project.provide('stack', {
    apiUrl: environment.apiUrl,
    issuer: environment.issuer,
    dynamodbEndpoint: stack.dynamodbEndpoint,
    stsEndpoint: stack.stsEndpoint,
    credvendEnv: environment.credvendEnv,
    vendingAccessKeyId: stack.seed.vendingAccessKeyId,
    vendingSecretAccessKey: stack.seed.vendingSecretAccessKey,
    targetAccountId: stack.seed.targetAccountId,
    roles: stack.seed.roles,
    externalId: stack.seed.externalId,
    bucket: stack.seed.bucket,
    revokerRoleArn: stack.seed.revokerRoleArn,
  });
  return async () => {
    await environment.stop();
    await federation.close();
  };
}
