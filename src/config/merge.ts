/**
 * CloudTik's config merge rules, as pure functions over plain JSON-like data.
 */

export type PlainObject = Record<string, unknown>;

/** True for a plain (non-array, non-null) object. */
export function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy of JSON-like data (objects, arrays, scalars). */
export function deepCopy<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => deepCopy(item)) as T;
  if (isPlainObject(value)) {
    const out: PlainObject = {};
    for (const [key, item] of Object.entries(value)) out[key] = deepCopy(item);
    return out as T;
  }
  return value;
}

/** The list `key` that `++key` (prepend) or `key++` (append) targets, if `key` is such a key. */
export function appendTarget(key: string): { target: string; prepend: boolean } | undefined {
  if (key.length > 2 && key.startsWith('++')) return { target: key.slice(2), prepend: true };
  if (key.length > 2 && key.endsWith('++')) return { target: key.slice(0, -2), prepend: false };
  return undefined;
}

function onlyNamedItem(value: unknown): PlainObject | undefined {
  if (!Array.isArray(value) || value.length !== 1) return undefined;
  const item: unknown = value[0];
  return isPlainObject(item) && 'name' in item ? item : undefined;
}

/**
 * Merges `update` onto `base` and returns a new object; neither input is changed.
 *
 * - objects merge key by key, recursively;
 * - scalars and lists in `update` replace those in `base`;
 * - when both values are one-item lists whose item is an object with the same `name`, the
 *   two items are merged instead (so a template's `[{name: x, ...}]` can be refined);
 * - a list under `++key` is put in front of list `key`, one under `key++` after it (after the
 *   plain keys of the same object are merged); if `key` is missing or not a list the appended
 *   list becomes its value.
 */
export function mergeConfig(base: PlainObject, update: PlainObject): PlainObject {
  const out = deepCopy(base);
  const appends: Array<[string, unknown[]]> = [];
  for (const [key, value] of Object.entries(update)) {
    if (Array.isArray(value) && appendTarget(key)) {
      appends.push([key, value]);
      continue;
    }
    const current = out[key];
    if (isPlainObject(value)) {
      out[key] = mergeConfig(isPlainObject(current) ? current : {}, value);
      continue;
    }
    const newItem = onlyNamedItem(value);
    const oldItem = onlyNamedItem(current);
    if (newItem && oldItem && newItem.name === oldItem.name) {
      out[key] = [mergeConfig(oldItem, newItem)];
      continue;
    }
    out[key] = deepCopy(value);
  }
  for (const [key, list] of appends) {
    const { target, prepend } = appendTarget(key)!;
    const current = out[target];
    const added = deepCopy(list);
    if (!Array.isArray(current)) out[target] = added;
    else {
      const existing = current as unknown[];
      out[target] = prepend ? [...added, ...existing] : [...existing, ...added];
    }
  }
  return out;
}

/** Merges each update in order onto an empty object: `mergeAll([a, b, c]) = merge(merge(merge({}, a), b), c)`. */
export function mergeAll(layers: readonly PlainObject[]): PlainObject {
  return layers.reduce<PlainObject>((acc, layer) => mergeConfig(acc, layer), {});
}
