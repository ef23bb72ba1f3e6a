/**
 * Lambda only: stands in for the SDK's default credential chain in the function bundles
 * (serverless.yml `custom.esbuild.alias`). Lambda puts the function role's credentials in
 * the environment, so the chain's other providers (SSO, profiles, web identity, IMDS, with
 * their nested STS/SSO clients) are dead weight there: about 80 KB of every bundle.
 * Tests, the local stack and the CLI are not bundled with the alias and keep the full chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (_init?: unknown) => fromEnv();
