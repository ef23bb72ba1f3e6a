import { Argument, type Command } from 'commander';
import { bashScript, zshScript } from '../completion/bash.js';
import { fishScript } from '../completion/fish.js';
import { completionTree, LIST_PROFILES_COMMAND } from '../completion/tree.js';
import { configPath, readProfiles } from '../config-store.js';
import { out } from '../terminal-text.js';

const SCRIPTS = { bash: bashScript, zsh: zshScript, fish: fishScript } as const;
type Shell = keyof typeof SCRIPTS;
const isShell = (name: string): name is Shell => Object.hasOwn(SCRIPTS, name);

export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script (bash, zsh or fish)')
    .addArgument(new Argument('<shell>', 'the shell').choices(Object.keys(SCRIPTS)))
    .action((shell: string) => {
      if (isShell(shell)) out(SCRIPTS[shell](completionTree(program)));
    });
  // What the scripts run to complete `--profile`: one name per line, nothing on any error.
  program.command(LIST_PROFILES_COMMAND, { hidden: true }).action(async () => {
    const profiles = await readProfiles(configPath()).catch(() => ({}));
    out(
      Object.keys(profiles)
        .map((name) => `${name}\n`)
        .join(''),
    );
  });
}
