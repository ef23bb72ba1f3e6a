import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { CliError } from './errors.js';

const oidcAuth = z
  .object({
    type: z.literal('oidc'),
    /** Where the bearer token comes from; exactly one. A literal token is not stored. */
    tokenEnv: z.string().optional(),
    tokenFile: z.string().optional(),
    tokenCommand: z.string().optional(),
  })
  .strict();

const awsAuth = z
  .object({
    type: z.literal('aws'),
    serverId: z.string().min(1),
    stsEndpoint: z.url(),
    region: z.string().min(1),
  })
  .strict();

const profileSchema = z
  .object({ apiUrl: z.url(), auth: z.discriminatedUnion('type', [oidcAuth, awsAuth]) })
  .strict();
const fileSchema = z.object({ profiles: z.record(z.string(), profileSchema) }).strict();

export type Profile = z.infer<typeof profileSchema>;
export type ProfileAuth = Profile['auth'];

/** `$XDG_CONFIG_HOME/credvend/config.json`, or `~/.config/credvend/config.json`. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CREDVEND_CONFIG) return env.CREDVEND_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'credvend', 'config.json');
}

export async function readProfiles(path: string): Promise<Record<string, Profile>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return {};
  }
  const parsed = fileSchema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new CliError(`${path} is not a valid credvend config: ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data.profiles;
}

/** Written atomically with mode 0600: the file names where tokens come from. */
export async function saveProfile(path: string, name: string, profile: Profile): Promise<void> {
  const profiles = { ...(await readProfiles(path)), [name]: profileSchema.parse(profile) };
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify({ profiles }, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}
