import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The bundled CLI, run by plain Node as users run it. */
export const BIN = resolve('bin/credvend.js');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion; a non-zero exit is a result, not an exception. */
export async function runProgram(
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<Run> {
  try {
    const { stdout, stderr } = await execFileAsync(file, [...args], { env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

export const runCli = (args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> =>
  runProgram(process.execPath, [BIN, ...args], env);
