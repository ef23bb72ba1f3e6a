import { readFile } from 'node:fs/promises';
import * as z from 'zod';
import { CliError } from './errors.js';
import { configPath } from './paths.js';
import { writePrivateFile } from './private-files.js';
import { type SecretStore, secretStore } from './secret-store.js';

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

/** Signed in with an OIDC IdP (`credvend login --issuer`); the tokens live in their own 0600 file. */
const loginAuth = z
  .object({
    type: z.literal('login'),
    issuer: z.url(),
    clientId: z.string().min(1),
    scope: z.string().min(1),
    /** RFC 8707 resource indicator sent with the requests, when the IdP needs one for credvend's audience. */
    resource: z.string().optional(),
    /** Send the ID token instead of the access token (IdPs whose access tokens are not JWTs for credvend). */
    useIdToken: z.boolean().optional(),
  })
  .strict();

const profileSchema = z
  .object({ apiUrl: z.url(), auth: z.discriminatedUnion('type', [oidcAuth, awsAuth, loginAuth]) })
  .strict();
const fileSchema = z
  .object({
    profiles: z.record(z.string(), profileSchema),
    /** Keep the cache key and sign-in tokens in the OS keychain (`credvend keychain on`). */
    keychain: z.boolean().optional(),
  })
  .strict();
type ConfigFile = z.infer<typeof fileSchema>;

export type Profile = z.infer<typeof profileSchema>;
export type ProfileAuth = Profile['auth'];

export { configPath };

export async function readProfiles(path: string): Promise<Record<string, Profile>> {
  return (await readConfig(path)).profiles;
}

async function readConfig(path: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return { profiles: {} };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CliError(
      `${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success)
    throw new CliError(`${path} is not a valid credvend config: ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data;
}

async function writeConfig(path: string, config: ConfigFile): Promise<void> {
  await writePrivateFile(path, `${JSON.stringify(config, null, 2)}\n`);
}

/** Written atomically with mode 0600: the file names where tokens come from. */
export async function saveProfile(path: string, name: string, profile: Profile): Promise<void> {
  const config = await readConfig(path);
  await writeConfig(path, {
    ...config,
    profiles: { ...config.profiles, [name]: profileSchema.parse(profile) },
  });
}

/** Whether the config asks for the OS keychain. */
export async function keychainChosen(path: string = configPath()): Promise<boolean> {
  return (await readConfig(path)).keychain === true;
}

export async function chooseKeychain(path: string, on: boolean): Promise<void> {
  const { keychain: _, ...rest } = await readConfig(path);
  await writeConfig(path, on ? { ...rest, keychain: true } : rest);
}

/** The store of this process's secrets, as the config chooses (see secret-store.ts). */
export async function configuredSecrets(): Promise<SecretStore> {
  return secretStore(await keychainChosen());
}
