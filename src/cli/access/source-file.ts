import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';

/** One problem in an access file, where an editor can jump to it. */
export interface FileProblem {
  file: string;
  line: number;
  message: string;
}

/** A parsed YAML or JSON file that can say on which line any path of its value sits. */
export interface SourceFile {
  file: string;
  value: unknown;
  /** The line of the deepest key or item of `path` that exists (1 when none does). */
  lineOf(path: readonly PropertyKey[]): number;
}

/** The child node at one path segment and the line of its key (or of the item). */
function step(node: unknown, segment: PropertyKey): { node: unknown; offset?: number } | undefined {
  if (isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
    if (!pair) return undefined;
    return {
      node: pair.value,
      ...(isScalar(pair.key) && pair.key.range ? { offset: pair.key.range[0] } : {}),
    };
  }
  if (isSeq(node)) {
    const item: unknown = node.items[Number(segment)];
    if (item === undefined) return undefined;
    const range = isNode(item) ? item.range : undefined;
    return { node: item, ...(range ? { offset: range[0] } : {}) };
  }
  return undefined;
}

/**
 * YAML (JSON is YAML too, so both read alike and both get line numbers). Syntax errors and
 * duplicate keys are problems; the value is undefined then.
 */
export function parseSourceFile(
  file: string,
  text: string,
): { source?: SourceFile; problems: FileProblem[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((error) => ({
      file,
      line: error.linePos?.[0].line ?? lines.linePos(error.pos[0]).line,
      message: error.message.split('\n')[0] ?? error.message,
    }));
    return { problems };
  }
  const lineOf = (path: readonly PropertyKey[]): number => {
    let node: unknown = doc.contents;
    let offset = 0;
    for (const segment of path) {
      const next = step(node, segment);
      if (!next) break;
      node = next.node;
      if (next.offset !== undefined) offset = next.offset;
    }
    return lines.linePos(offset).line;
  };
  return { source: { file, value: doc.toJS({ maxAliasCount: 100 }), lineOf }, problems: [] };
}
