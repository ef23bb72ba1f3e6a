/**
 * The credential formats' renderings, with no schema library: the CLI's cache-hit path
 * (src/cli/fast-path.ts) prints from here and must load nothing but Node built-ins. The
 * schemas that parse these shapes are in credentials.ts.
 */
import type { ContainerCredentialsWire, ProcessCredentialsWire } from './credentials.js';

/** What every format carries: one STS session's credentials, the expiry as STS reported it (ISO-8601). */
export interface CredentialSet {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: string;
}

/** POSIX single-quote quoting: nothing inside single quotes is special except the quote itself. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** `format: credential_process`: the AWS CLI/SDK contract (Version 1). */
export function toProcessCredentials(c: CredentialSet): ProcessCredentialsWire {
  return {
    Version: 1,
    AccessKeyId: c.accessKeyId,
    SecretAccessKey: c.secretAccessKey,
    SessionToken: c.sessionToken,
    Expiration: c.expiration,
  };
}

/** `format: container`: what the SDKs' container-credentials provider reads (the API and `credvend serve`). */
export function toContainerCredentials(c: CredentialSet, roleArn: string): ContainerCredentialsWire {
  return {
    AccessKeyId: c.accessKeyId,
    SecretAccessKey: c.secretAccessKey,
    Token: c.sessionToken,
    Expiration: c.expiration,
    RoleArn: roleArn,
  };
}

/** `format: env`: `export` lines, every value single-quoted. */
export function toEnvText(c: CredentialSet): string {
  const lines: Array<[string, string]> = [
    ['AWS_ACCESS_KEY_ID', c.accessKeyId],
    ['AWS_SECRET_ACCESS_KEY', c.secretAccessKey],
    ['AWS_SESSION_TOKEN', c.sessionToken],
    ['AWS_CREDENTIAL_EXPIRATION', c.expiration],
  ];
  return lines.map(([name, value]) => `export ${name}=${shellQuote(value)}\n`).join('');
}
