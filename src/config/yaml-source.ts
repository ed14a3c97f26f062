import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node as YamlNode,
  type Pair,
} from 'yaml';
import type { ConfigIssue } from './types.js';

/** A key path into a config: object keys and list indexes. */
export type KeyPath = ReadonlyArray<string | number>;

/** 1-based line and column in a source file. */
export interface SourcePosition {
  line: number;
  col: number;
}

/** A parsed YAML file that still knows where every key and value came from. */
export interface YamlSource {
  /** The file name used in issues (as given). */
  file: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** The plain data (`undefined` when the file had syntax errors or was empty). */
  data: unknown;
}

/**
 * Parses YAML text (YAML 1.2 core schema, `<<` merge keys on, duplicate keys rejected) and
 * keeps node positions. Syntax errors come back as error issues with their line and column;
 * `data` is then `undefined`. An empty document gives `data: undefined` and no issues.
 */
export function parseYamlSource(text: string, file: string): { source: YamlSource; issues: ConfigIssue[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, prettyErrors: false, uniqueKeys: true });
  const issues: ConfigIssue[] = [];
  for (const [severity, list] of [
    ['error', doc.errors],
    ['warning', doc.warnings],
  ] as const) {
    for (const err of list) {
      const pos = lineCounter.linePos(err.pos[0]);
      issues.push({ severity, file, line: pos.line, col: pos.col, path: '', message: `YAML: ${err.message}` });
    }
  }
  let data: unknown;
  if (doc.errors.length === 0 && doc.contents !== null) {
    try {
      data = doc.toJS({ maxAliasCount: 1000 });
    } catch (err) {
      issues.push({ severity: 'error', file, line: 1, col: 1, path: '', message: `YAML: ${(err as Error).message}` });
    }
  }
  return { source: { file, doc, lineCounter, data }, issues };
}

function keyText(pair: Pair): string | symbol | undefined {
  const key = pair.key;
  if (isScalar(key)) return typeof key.value === 'symbol' ? key.value : String(key.value);
  return undefined;
}

function resolveNode(source: YamlSource, node: unknown): unknown {
  return isAlias(node) ? node.resolve(source.doc) : node;
}

/** The pair holding `key` in a map node, looking through `<<` merge keys. */
function findPair(source: YamlSource, map: unknown, key: string, depth = 0): Pair | undefined {
  const node = resolveNode(source, map);
  if (!isMap(node) || depth > 20) return undefined;
  const merges: unknown[] = [];
  for (const pair of node.items) {
    const text = keyText(pair);
    if (text === key) return pair;
    if (typeof text === 'symbol') merges.push(pair.value);
  }
  for (const merged of merges) {
    const target = resolveNode(source, merged);
    const candidates = isSeq(target) ? target.items : [target];
    for (const candidate of candidates) {
      const found = findPair(source, candidate, key, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as YamlNode | null | undefined)?.range;
  return range ? range[0] : undefined;
}

/**
 * Where the entry at `path` is written: the key's position when `at` is `'key'` (best for
 * "unknown key" errors), else the value's (falling back to the key when the value is empty).
 * A path segment that is not found as written is also tried as `++segment` and `segment++`.
 * Returns `undefined` for the empty path or when the file does not contain the path.
 */
export function positionOf(
  source: YamlSource,
  path: KeyPath,
  at: 'key' | 'value' = 'value',
): SourcePosition | undefined {
  if (path.length === 0) return undefined;
  let node: unknown = source.doc.contents;
  let pair: Pair | undefined;
  for (const segment of path) {
    node = resolveNode(source, node);
    if (isSeq(node)) {
      const index = typeof segment === 'number' ? segment : Number(segment);
      pair = undefined;
      node = Number.isInteger(index) ? node.items[index] : undefined;
      if (node === undefined) return undefined;
      continue;
    }
    const key = String(segment);
    pair = findPair(source, node, key) ?? findPair(source, node, `++${key}`) ?? findPair(source, node, `${key}++`);
    if (!pair) return undefined;
    node = pair.value;
  }
  const offset =
    at === 'key' && pair ? rangeStart(pair.key) : (rangeStart(node) ?? (pair ? rangeStart(pair.key) : undefined));
  return offset === undefined ? undefined : source.lineCounter.linePos(offset);
}

/** Whether the file itself writes the entry at `path`. */
export function hasPath(source: YamlSource, path: KeyPath): boolean {
  return positionOf(source, path, 'key') !== undefined;
}

/** Dotted text of a key path: `available_node_types.worker.default.node_config.data_disks[0]`. */
export function formatPath(path: KeyPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}
