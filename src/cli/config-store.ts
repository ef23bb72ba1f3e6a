import { readFile } from 'node:fs/promises';
import * as z from 'zod';
import { CliError } from './errors.js';
import { writePrivateFile } from './private-files.js';

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
const fileSchema = z.object({ profiles: z.record(z.string(), profileSchema) }).strict();

export type Profile = z.infer<typeof profileSchema>;
export type ProfileAuth = Profile['auth'];

export { configPath } from './paths.js';

export async function readProfiles(path: string): Promise<Record<string, Profile>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return {};
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
  return parsed.data.profiles;
}

/** Written atomically with mode 0600: the file names where tokens come from. */
export async function saveProfile(path: string, name: string, profile: Profile): Promise<void> {
  const profiles = { ...(await readProfiles(path)), [name]: profileSchema.parse(profile) };
  await writePrivateFile(path, `${JSON.stringify({ profiles }, null, 2)}\n`);
}
