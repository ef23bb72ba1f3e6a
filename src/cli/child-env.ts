import { CliError } from './errors.js';

/** Set in a child's environment so a nested `credvend exec` or `serve` refuses instead of stacking roles. */
export const EXEC_MARKER = 'CREDVEND_EXEC';

/** Inside a child of `exec` or `serve`, a second credential context would mix two roles' credentials. */
export function refuseNesting(env: NodeJS.ProcessEnv): void {
  const outer = env[EXEC_MARKER];
  if (outer) {
    throw new CliError(`already inside \`credvend exec ${outer}\`: exit it first (nesting would mix roles)`);
  }
}

/** Variables that would make an AWS tool use other credentials than the ones given. */
export const AWS_OVERRIDING = [
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
  'AWS_ROLE_SESSION_NAME',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
];

/** …and the credvend bearer token, which a child program has no business with. */
const OVERRIDING = [...AWS_OVERRIDING, 'CREDVEND_TOKEN'];

export interface ChildEnvOptions {
  /** Replaces any region the parent had; both AWS_REGION and AWS_DEFAULT_REGION. */
  region?: string;
  /** Further variables to remove: the profile's own token variable, say. */
  drop?: readonly string[];
  set: Record<string, string>;
}

export function childEnvironment(parent: NodeJS.ProcessEnv, options: ChildEnvOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...parent };
  for (const name of [...OVERRIDING, ...(options.drop ?? [])]) delete env[name];
  if (options.region) {
    env.AWS_REGION = options.region;
    env.AWS_DEFAULT_REGION = options.region;
  }
  return { ...env, ...options.set };
}
