/**
 * What `credvend shell-init` and `credvend assume` print: shell functions that put a
 * target's credentials into the current shell, and the code those functions evaluate. The
 * secrets pass only through a command substitution and the environment: never a file, never
 * the command line the shell keeps in its history.
 */
import { AWS_OVERRIDING } from './child-env.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];
export const isShell = (name: string): name is Shell => SHELLS.some((s) => s === name);

/** Set in a shell that holds credvend credentials: which target they are for. */
export const ASSUMED_MARKER = 'CREDVEND_ASSUMED';

/** What the unassume function removes: the credentials and the marker (a region stays). */
const ASSUMED = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  ASSUMED_MARKER,
];

export const FUNCTION_NAME = /^[A-Za-z_][\w-]{0,63}$/;

/** `assume` pairs with `unassume`, `credvend-assume` with `credvend-unassume`, anything else with `un<name>`. */
export function unassumeName(name: string): string {
  return name.endsWith('assume') ? `${name.slice(0, -'assume'.length)}unassume` : `un${name}`;
}

const posixQuote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;
/** fish: inside single quotes only `\\` and `\'` are special. */
const fishQuote = (value: string) => `'${value.replace(/[\\']/g, '\\$&')}'`;

/** Code that clears other credentials' variables and exports `set`, for `shell` to evaluate. */
export function exportCode(shell: Shell, set: ReadonlyArray<readonly [string, string]>): string {
  if (shell === 'fish')
    return [
      ...AWS_OVERRIDING.map((name) => `set -e ${name}`),
      ...set.map(([name, value]) => `set -gx ${name} ${fishQuote(value)}`),
    ]
      .map((line) => `${line}\n`)
      .join('');
  return `unset ${AWS_OVERRIDING.join(' ')}\n${set.map(([name, value]) => `export ${name}=${posixQuote(value)}\n`).join('')}`;
}

/** The functions for a shell's startup file: `<name> <target> [options]` and its unassume. */
export function initScript(shell: Shell, name: string): string {
  const off = unassumeName(name);
  if (shell === 'fish')
    return `# credvend: \`credvend shell-init fish | source\` in ~/.config/fish/config.fish
function ${name} --description 'credvend credentials for a target, into this shell'
    set -l code (command credvend assume --shell fish $argv); or return
    printf '%s\\n' $code | source
end
function ${off} --description 'drop the credentials ${name} exported'
    set -e ${ASSUMED.join(' ')}
end
`;
  return `# credvend: eval "$(credvend shell-init ${shell})" in ~/.${shell}rc
${name}() {
  local __credvend_code
  __credvend_code="$(command credvend assume --shell ${shell} "$@")" || return
  eval "$__credvend_code"
}
${off}() {
  unset ${ASSUMED.join(' ')}
}
`;
}
