/** Builds and merges credvend's managed block of `[profile …]` sections in an AWS config file. */

export interface GeneratedProfile {
  name: string;
  region: string;
  credentialProcess: string;
}

const begin = (owner: string) =>
  `# BEGIN credvend managed profiles (${owner}): \`credvend aws-config --write\` replaces this block`;
const end = (owner: string) => `# END credvend managed profiles (${owner})`;

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
