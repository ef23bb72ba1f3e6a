/**
 * The region credentials are for, as Granted and `aws sso` users expect it: `--region`, else
 * the region of the AWS profile credvend wrote for the same target (`credvend aws-config`),
 * else `$AWS_REGION`, else `$AWS_DEFAULT_REGION`. Node built-ins only: the fast path uses it.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** Whether a string is shaped like an AWS region name (`us-east-1`, `us-gov-west-1`). */
export const isRegion = (value: string): boolean => REGION.test(value);

/** The `credvend … creds <target>` target a credential_process line asks for, if it is one. */
function credsTarget(credentialProcess: string): string | undefined {
  const words = credentialProcess
    .trim()
    .split(/\s+/)
    .map((w) => w.replace(/^"(.*)"$/, '$1'));
  const at = words.indexOf('creds');
  return at === -1 ? undefined : words[at + 1];
}

/** The region of the first profile in an AWS config text whose credential_process asks credvend for `target`. */
export function profileRegion(configText: string, target: string): string | undefined {
  let region: string | undefined;
  let asks = false;
  const found = (): string | undefined => (asks && region && isRegion(region) ? region : undefined);
  for (const line of configText.split(/\r?\n/)) {
    if (/^\s*\[/.test(line)) {
      const done = found();
      if (done) return done;
      region = undefined;
      asks = false;
      continue;
    }
    const setting = /^\s*([\w-]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (setting?.[1] === 'region') region = setting[2];
    if (setting?.[1] === 'credential_process') asks = credsTarget(setting[2] ?? '') === target;
  }
  return found();
}

/** Read with a blocking call: the fast path answers and exits, and the program reads one small file. */
export function regionFor(target: string, env: NodeJS.ProcessEnv, given?: string): string | undefined {
  if (given) return given;
  const path = env.AWS_CONFIG_FILE || join(homedir(), '.aws', 'config');
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    // No AWS config file: no profile region.
  }
  return profileRegion(text, target) ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined);
}
