import type * as z from 'zod';
import type { Issuance } from '../domain/issuance/vend.js';
import type { CredentialFormat } from '../wire/credential-format-names.js';
import {
  type CredentialSet,
  toContainerCredentials,
  toEnvText,
  toProcessCredentials,
} from '../wire/credential-formats.js';
import type {
  ConsoleResponseWire,
  CredentialsResponseWire,
  issuedCredentialsWire,
} from '../wire/credentials.js';

function credentialSetOf(issuance: Issuance): CredentialSet {
  const c = issuance.assumed.credentials;
  return {
    accessKeyId: c.accessKeyId,
    secretAccessKey: c.secretAccessKey,
    sessionToken: c.sessionToken,
    // Lifetime reported from STS's Expiration, not from what was asked for.
    expiration: c.expiration.toISOString(),
  };
}

export function toJsonWire(issuance: Issuance): CredentialsResponseWire {
  const { plan, assumed, eventId } = issuance;
  const credentials = credentialSetOf(issuance);
  return {
    eventId,
    entitlementId: plan.entitlementId,
    accountId: plan.accountId,
    roleArn: plan.roleArn,
    assumedRoleArn: assumed.assumedRoleArn,
    sessionName: plan.sessionName,
    sourceIdentity: plan.sourceIdentity,
    durationSeconds: plan.durationSeconds,
    expiration: credentials.expiration,
    credentials,
  };
}

function toConsoleWire(issuance: Issuance, url: string): ConsoleResponseWire {
  return {
    eventId: issuance.eventId,
    url,
    expiration: issuance.assumed.credentials.expiration.toISOString(),
  };
}

/** One answer of POST /v1/credentials: a JSON body, or text (`env`). */
export type FormatAnswer = { json: z.infer<typeof issuedCredentialsWire> } | { text: string };

/**
 * How each credential format answers, one entry per format: a format added to the wire
 * enum without an answer here does not compile (no `default` that silently answers JSON).
 * `consoleUrl` asks the federation endpoint for a sign-in URL (console only).
 */
export const FORMAT_ANSWERS: {
  [F in CredentialFormat]: (issuance: Issuance, consoleUrl: () => Promise<string>) => Promise<FormatAnswer>;
} = {
  json: async (issuance) => ({ json: toJsonWire(issuance) }),
  credential_process: async (issuance) => ({ json: toProcessCredentials(credentialSetOf(issuance)) }),
  container: async (issuance) => ({
    json: toContainerCredentials(credentialSetOf(issuance), issuance.assumed.assumedRoleArn),
  }),
  env: async (issuance) => ({ text: toEnvText(credentialSetOf(issuance)) }),
  console: async (issuance, consoleUrl) => ({ json: toConsoleWire(issuance, await consoleUrl()) }),
};
