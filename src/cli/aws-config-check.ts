/**
 * What would stop the AWS CLI and SDKs from reading a config file. botocore reads it with
 * Python's configparser in strict mode: a section header twice, or a key twice within one
 * section, fails every command, not only the profile it is in. The SDK for JavaScript
 * reads the same file. credvend refuses to write such a file and `aws-config --check`
 * reports one.
 */

export interface ConfigProblem {
  line: number;
  message: string;
}

const SECTION = /^\[([^\]]*)\]\s*$/;
const OPTION = /^([^=:\s][^=:]*?)\s*[=:]/;

/** Every duplicate section and duplicate key, with its 1-based line number. */
export function configProblems(text: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const sections = new Map<string, number>();
  let keys = new Map<string, number>();
  let section: string | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    // configparser: comments and blank lines are skipped; an indented line continues a value.
    if (/^\s*([#;].*)?$/.test(raw) || (section !== undefined && /^\s/.test(raw))) return;
    const header = SECTION.exec(raw.trim());
    if (header) {
      section = header[1] ?? '';
      const first = sections.get(section);
      if (first !== undefined)
        problems.push({ line, message: `section [${section}] again (first on line ${first})` });
      else sections.set(section, line);
      keys = new Map();
      return;
    }
    const option = OPTION.exec(raw);
    if (section === undefined) {
      problems.push({ line, message: 'a line before the first [section]' });
      return;
    }
    if (!option) {
      problems.push({ line, message: `not "key = value": ${raw.trim().slice(0, 40)}` });
      return;
    }
    const key = (option[1] ?? '').trim().toLowerCase();
    const first = keys.get(key);
    if (first !== undefined)
      problems.push({ line, message: `${key} again in [${section}] (first on line ${first})` });
    else keys.set(key, line);
  });
  return problems;
}

export function describeProblems(path: string, problems: readonly ConfigProblem[]): string {
  return problems.map((p) => `${path}:${p.line}: ${p.message}`).join('\n');
}
