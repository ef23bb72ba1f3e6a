/**
 * `npm start`: the whole local stack in one process tree — DynamoDB Local, moto (with
 * signature enforcement), tables and demo entitlements, the dev OIDC issuer and the API.
 * Ctrl-C stops everything.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { startupBanner } from './banner.js';
import { DEMO_SUBJECT } from './demo-entitlements.js';
import { DEV_AUDIENCE, type ExternalIssuer, startLocalEnvironment } from './environment.js';
import { LocalStackError } from './errors.js';

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65_535) {
    throw new LocalStackError(`${name}=${raw} is not a TCP port (1-65535)`);
  }
  return value;
}

/** `CREDVEND_OIDC_ISSUER` (with audience, JWKS and the demo subject) replaces the local IdP. */
function externalIssuer(env: NodeJS.ProcessEnv): ExternalIssuer | undefined {
  const issuer = env.CREDVEND_OIDC_ISSUER?.trim();
  if (!issuer) return undefined;
  const value = (name: string) => env[name]?.trim() || undefined;
  const jwksUri = value('CREDVEND_OIDC_JWKS_URI');
  const auditors = value('CREDVEND_AUDITORS');
  const admins = value('CREDVEND_ADMINS');
  return {
    issuer,
    audience: value('CREDVEND_OIDC_AUDIENCE') ?? DEV_AUDIENCE,
    demoSubject: value('CREDVEND_DEMO_SUBJECT') ?? DEMO_SUBJECT,
    ...(jwksUri ? { jwksUri } : {}),
    ...(auditors ? { auditors } : {}),
    ...(admins ? { admins } : {}),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { persist: { type: 'string' } } });
  const host = process.env.CREDVEND_HOST ?? '127.0.0.1';
  const external = externalIssuer(process.env);
  const environment = await startLocalEnvironment({
    host,
    apiPort: port('CREDVEND_API_PORT', 3000),
    dynamodbPort: port('CREDVEND_DYNAMODB_PORT', 8000),
    motoPort: port('CREDVEND_MOTO_PORT', 4566),
    ...(values.persist ? { persistDir: values.persist } : {}),
    logLevel: loadConfig().logLevel,
    ...(external ? { externalIssuer: external } : {}),
  });
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('\nstopping local stack…\n');
    await environment.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  process.stdout.write(startupBanner(environment));
}

main().catch((error: unknown) => {
  // One line for the problems a user can fix (missing Java/moto, taken port); a trace otherwise.
  if (error instanceof LocalStackError) process.stderr.write(`credvend: ${error.message}\n`);
  else
    process.stderr.write(
      `credvend: local stack failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
  process.exit(1);
});
