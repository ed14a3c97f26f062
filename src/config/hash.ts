import { createHash } from 'node:crypto';

/**
 * JSON text of `value` with object keys sorted at every level, so equal data always gives
 * equal text whatever order its keys were written in. Object entries whose value is
 * `undefined` are left out (as `JSON.stringify` does); `undefined` array items become `null`.
 * Throws on cycles and on values JSON cannot represent (functions, symbols, bigints).
 */
export function stableStringify(value: unknown): string {
  return serialize(value, new Set());
}

function serialize(value: unknown, seen: Set<object>): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'object':
      return serializeObject(value, seen);
    case 'undefined':
      return 'null';
    case 'bigint':
    case 'function':
    case 'symbol':
      break;
  }
  throw new TypeError(`stableStringify: cannot serialise a ${typeof value}`);
}

function serializeObject(value: object, seen: Set<object>): string {
  if (seen.has(value)) throw new TypeError('stableStringify: cyclic structure');
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      return `[${value.map((item: unknown) => serialize(item, seen)).join(',')}]`;
    }
    const record = value as Record<string, unknown>;
    const parts: string[] = [];
    for (const key of Object.keys(record).sort()) {
      const item = record[key];
      if (item === undefined) continue;
      parts.push(`${JSON.stringify(key)}:${serialize(item, seen)}`);
    }
    return `{${parts.join(',')}}`;
  } finally {
    seen.delete(value);
  }
}

/** Lower-case hex SHA-1 of the UTF-8 bytes of `text`. */
export function sha1Hex(text: string): string {
  return createHash('sha1').update(text, 'utf8').digest('hex');
}
