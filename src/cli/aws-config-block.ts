/** Builds and merges credvend's managed block of `[profile …]` sections in an AWS config file. */

export interface GeneratedProfile {
  name: string;
  region: string;
  credentialProcess: string;
}

const begin = (owner: string) =>
  `# BEGIN credvend managed profiles (${owner}): \`credvend aws-config --write\` replaces this block`;
const end = (owner: string) => `# END credvend managed profiles (${owner})`;

/** One entitlement as profile naming sees it. */
export interface ProfileSource {
  entitlement: string;
  account: string;
  role: string;
  /** A grant (time-boxed, from an access request): its id changes with every new grant. */
  grant: boolean;
}

/** A profile to write: its name, and the `creds` target its credential_process asks for. */
export interface PlannedProfile {
  name: string;
  target: string;
}

/**
 * One profile per name, names stable across grants. A grant's `{entitlement}` is its
 * `<account>-<role>` and its profile asks for `<account>/<role>`, so the next grant on the
 * same role keeps the profile the user already has. Entitlements whose names coincide on
 * one role become one profile for `<account>/<role>` (credvend picks among them by its
 * documented rule); coinciding names on different roles are refused, before anything is written.
 */
export function planProfiles(
  scheme: string,
  profile: string,
  sources: readonly ProfileSource[],
): PlannedProfile[] {
  const byName = new Map<string, ProfileSource[]>();
  for (const source of sources) {
    const entitlement = source.grant ? `${source.account}-${source.role}` : source.entitlement;
    const name = profileName(scheme, { ...source, entitlement, profile });
    byName.set(name, [...(byName.get(name) ?? []), source]);
  }
  const planned: PlannedProfile[] = [];
  for (const [name, group] of byName) {
    const roles = new Set(group.map((s) => `${s.account}/${s.role}`));
    const [only] = group;
    if (roles.size > 1)
      throw new Error(
        `--name "${scheme}" gives profile ${name} to ${group.map((s) => s.entitlement).join(', ')} on different roles: add {entitlement} or {role} to it`,
      );
    if (!only) continue;
    const byRole = group.length > 1 || only.grant;
    planned.push({ name, target: byRole ? `${only.account}/${only.role}` : only.entitlement });
  }
  return planned.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** `{entitlement}`, `{account}`, `{role}` and `{profile}` in the user's name scheme. */
export function profileName(
  scheme: string,
  values: { entitlement: string; account: string; role: string; profile: string },
): string {
  const name = scheme.replace(
    /\{(entitlement|account|role|profile)\}/g,
    (_, key: keyof typeof values) => values[key],
  );
  if (!/^[\w.+@-]+$/.test(name))
    throw new Error(`profile name "${name}" from --name "${scheme}" may only hold letters, digits and _.+@-`);
  return name;
}

/** A word for credential_process's shell-like split: quoted only when it needs to be. */
export function commandWord(word: string): string {
  return /^[\w./:=@+,-]+$/.test(word) ? word : `"${word.replace(/(["\\$`])/g, '\\$1')}"`;
}

export function renderBlock(owner: string, profiles: readonly GeneratedProfile[]): string {
  const sections = profiles.map(
    (p) => `[profile ${p.name}]\nregion = ${p.region}\ncredential_process = ${p.credentialProcess}\n`,
  );
  return `${begin(owner)}\n${sections.join('\n')}${end(owner)}\n`;
}

/** Profile names declared in a config text. */
function declaredProfiles(text: string): Set<string> {
  const names = new Set<string>();
  for (const match of text.matchAll(/^\s*\[\s*(?:profile\s+)?([^\]\s]+)\s*\]\s*$/gm))
    if (match[1]) names.add(match[1]);
  return names;
}

/**
 * The config text with the block for `owner` replaced (or appended), everything outside it
 * byte for byte as it was. Refuses when a generated name is already a profile of the user's.
 */
export function mergeBlock(
  current: string,
  owner: string,
  block: string,
  generated: readonly string[],
): string {
  const start = current.indexOf(begin(owner));
  const stopMarker = end(owner);
  const stop = start === -1 ? -1 : current.indexOf(stopMarker, start);
  if (start !== -1 && stop === -1)
    throw new Error(`the credvend block (${owner}) has no END line: fix the file by hand`);
  const before = start === -1 ? current : current.slice(0, start);
  const after = start === -1 ? '' : current.slice(stop + stopMarker.length).replace(/^\n/, '');
  const clashes = generated.filter((name) => declaredProfiles(before + after).has(name));
  if (clashes.length > 0)
    throw new Error(
      `profile ${clashes.join(', ')} already exists outside credvend's block: choose another --name`,
    );
  if (start !== -1) return `${before}${block}${after}`;
  const separator = current === '' || current.endsWith('\n\n') ? '' : current.endsWith('\n') ? '\n' : '\n\n';
  return `${current}${separator}${block}`;
}

/** The managed block for `owner` as it stands in a config text, if there is one. */
export function currentBlock(text: string, owner: string): string | undefined {
  const start = text.indexOf(begin(owner));
  if (start === -1) return undefined;
  const stop = text.indexOf(end(owner), start);
  return stop === -1 ? text.slice(start) : text.slice(start, stop + end(owner).length + 1);
}
