/**
 * The credential formats by name, with no schema library and no other import: the CLI's
 * cache-hit path (src/cli/fast-path.ts) reads them, the schemas (credentials.ts) enumerate them.
 */
export const CREDENTIAL_FORMATS = ['json', 'credential_process', 'env', 'container', 'console'] as const;
export type CredentialFormat = (typeof CREDENTIAL_FORMATS)[number];
