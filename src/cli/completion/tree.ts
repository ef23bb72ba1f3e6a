import type { Command } from 'commander';

/** One option as a shell completer needs it. */
export interface CompletionOption {
  /** Every spelling: `-h`, `--help`. */
  names: string[];
  description: string;
  takesValue: boolean;
  /** The values it accepts, when commander knows them. */
  choices: string[];
}

/** One command: its words (empty for the program itself), subcommands, options, argument values. */
export interface CompletionNode {
  path: string[];
  description: string;
  commands: CompletionNode[];
  options: CompletionOption[];
  /** Values of its first argument, when commander knows them (`completion bash|zsh|fish`). */
  argumentChoices: string[];
}

/**
 * The command tree as `--help` shows it (hidden commands and options left out), read from
 * the commander program itself so completion never drifts from what the CLI accepts.
 */
export function completionTree(command: Command, path: string[] = []): CompletionNode {
  const help = command.createHelp();
  return {
    path,
    description: command.description(),
    commands: help
      .visibleCommands(command)
      .filter((sub) => sub.name() !== 'help')
      .map((sub) => completionTree(sub, [...path, sub.name()])),
    options: help.visibleOptions(command).map((option) => ({
      names: [option.short, option.long].filter((name): name is string => Boolean(name)),
      description: option.description,
      takesValue: option.required || option.optional,
      choices: option.argChoices ?? [],
    })),
    argumentChoices: command.registeredArguments[0]?.argChoices ?? [],
  };
}

/** Every node, the program first. */
export function allNodes(node: CompletionNode): CompletionNode[] {
  return [node, ...node.commands.flatMap(allNodes)];
}

/** Options whose value is one of this CLI's profile names. */
export const PROFILE_OPTION = '--profile';
/** The hidden command a completer runs to list profile names (one per line). */
export const LIST_PROFILES_COMMAND = '__complete-profiles';
