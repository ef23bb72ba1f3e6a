import type { Issuance } from '../domain/issuance/vend.js';
import type {
  ConsoleResponseWire,
  ContainerCredentialsWire,
  CredentialsResponseWire,
  ProcessCredentialsWire,
} from '../wire/credentials.js';

export function toJsonWire(issuance: Issuance): CredentialsResponseWire {
  const { plan, assumed, eventId } = issuance;
  const expiration = assumed.credentials.expiration.toISOString();
  return {
    eventId,
    entitlementId: plan.entitlementId,
    accountId: plan.accountId,
    roleArn: plan.roleArn,
    assumedRoleArn: assumed.assumedRoleArn,
    sessionName: plan.sessionName,
    sourceIdentity: plan.sourceIdentity,
    durationSeconds: plan.durationSeconds,
    // Lifetime reported from STS's Expiration, not from what was asked for.
    expiration,
    credentials: {
      accessKeyId: assumed.credentials.accessKeyId,
      secretAccessKey: assumed.credentials.secretAccessKey,
      sessionToken: assumed.credentials.sessionToken,
      expiration,
    },
  };
}

export function toProcessWire(issuance: Issuance): ProcessCredentialsWire {
  const c = issuance.assumed.credentials;
  return {
    Version: 1,
    AccessKeyId: c.accessKeyId,
    SecretAccessKey: c.secretAccessKey,
    SessionToken: c.sessionToken,
    Expiration: c.expiration.toISOString(),
  };
}

export function toContainerWire(issuance: Issuance): ContainerCredentialsWire {
  const c = issuance.assumed.credentials;
  return {
    AccessKeyId: c.accessKeyId,
    SecretAccessKey: c.secretAccessKey,
    Token: c.sessionToken,
    Expiration: c.expiration.toISOString(),
    RoleArn: issuance.assumed.assumedRoleArn,
  };
}

export function toConsoleWire(issuance: Issuance, url: string): ConsoleResponseWire {
  return {
    eventId: issuance.eventId,
    url,
    expiration: issuance.assumed.credentials.expiration.toISOString(),
  };
}

/** POSIX single-quote quoting: nothing inside single quotes is special except the quote itself. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

export function toEnvText(issuance: Issuance): string {
  const c = issuance.assumed.credentials;
  const lines: Array<[string, string]> = [
    ['AWS_ACCESS_KEY_ID', c.accessKeyId],
    ['AWS_SECRET_ACCESS_KEY', c.secretAccessKey],
    ['AWS_SESSION_TOKEN', c.sessionToken],
    ['AWS_CREDENTIAL_EXPIRATION', c.expiration.toISOString()],
  ];
  return lines.map(([name, value]) => `export ${name}=${shellQuote(value)}\n`).join('');
}
