/**
 * Where a problem in a scenario file is: the YAML document with its line counter, a problem at an
 * offset or at a path of the data (pointing at the key or the value, or at the nearest mapping
 * when a key is missing), and the ScenarioError that lists every problem with file:line:column.
 * The scenario loader (load.ts) and the training loader (train/schema.ts) both report through it.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document } from 'yaml';

export interface ScenarioProblem {
  file: string;
  /** 1-based; 0 when the problem is with the file as a whole (it cannot be read). */
  line: number;
  column: number;
  /** Where in the scenario, e.g. `timeline[3].target`; '' for the whole file. */
  path: string;
  message: string;
}

export function formatProblem(p: ScenarioProblem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file;
  return p.path ? `${where}: ${p.path}: ${p.message}` : `${where}: ${p.message}`;
}

/** A scenario file that cannot be run; `problems` holds every problem found, in file order. */
export class ScenarioError extends Error {
  constructor(readonly problems: ScenarioProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ScenarioError';
  }
}

export type Path = readonly (string | number)[];

/** A parsed YAML document and the problems found in it, each with its position. */
export class ScenarioProblems {
  readonly problems: ScenarioProblem[] = [];
  readonly lineCounter = new LineCounter();
  readonly doc: Document.Parsed;
  private readonly seen = new Set<string>();

  constructor(
    text: string,
    readonly file: string,
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  }

  /** A problem at an offset in the text. */
  at(offset: number, path: string, message: string): void {
    const { line, col } = this.lineCounter.linePos(offset);
    const key = `${line}:${col}:${path}:${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.problems.push({ file: this.file, line, column: col, path, message });
  }

  /**
   * A problem with the value at `path` (or, with `onKey`, with the key that names it). When the
   * path does not exist in the file (a missing key), the problem points at the nearest mapping or
   * list that does.
   */
  add(path: Path, message: string, opts: { onKey?: boolean } = {}, got?: string): void {
    const offset = this.offsetOf(path, opts.onKey ?? false);
    this.at(offset, formatPath(path), got === undefined ? message : `${message}; ${got}`);
  }

  offsetOf(path: Path, onKey: boolean): number {
    let node: unknown = this.doc.contents;
    let keyNode: unknown;
    for (const seg of path) {
      if (isAlias(node)) node = node.resolve(this.doc);
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(seg));
        if (!pair) return rangeStart(node);
        keyNode = pair.key;
        // `key:` with nothing after it: point at the key rather than at the empty value.
        const v = pair.value;
        node = v === null || (isScalar(v) && v.value === null && v.range != null && v.range[0] === v.range[1]) ? pair.key : v;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg];
        if (item === undefined) return rangeStart(node);
        keyNode = undefined;
        node = item;
      } else {
        return rangeStart(node);
      }
    }
    return rangeStart(onKey && keyNode !== undefined ? keyNode : node);
  }

  error(): ScenarioError {
    const sorted = [...this.problems].sort((a, b) => a.line - b.line || a.column - b.column);
    return new ScenarioError(sorted);
  }
}

export function keyText(k: unknown): string {
  if (isScalar(k)) return String(k.value);
  return String(k);
}

export function rangeStart(n: unknown): number {
  if (n !== null && typeof n === 'object' && 'range' in n) {
    const r = (n as { range?: [number, number, number] | null }).range;
    if (r) return r[0];
  }
  return 0;
}

/** Where the first alias (`*name`) of the document is: an alias bomb is reported there. */
export function firstAliasOffset(doc: Document.Parsed): number {
  let offset = 0;
  visit(doc, {
    Alias(_key, node) {
      offset = rangeStart(node);
      return visit.BREAK;
    },
  });
  return offset;
}

export function formatPath(path: Path): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out;
}

export function yamlMessage(code: string, message: string): string {
  const first = message.split('\n')[0] ?? message;
  const hints: Record<string, string> = {
    DUPLICATE_KEY: 'this key is given twice in the same mapping',
    MULTIPLE_DOCS: 'a scenario file holds one YAML document (remove the second ---)',
    TAB_AS_INDENT: 'indent with spaces, not tabs',
  };
  const hint = hints[code];
  return `YAML syntax: ${first}${hint ? ` (${hint})` : ''}`;
}
