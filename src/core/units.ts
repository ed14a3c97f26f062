/**
 * Memory sizes, read and written in one place: configs, `--resources memory:8G`, tables and
 * messages. K, M, G and T are powers of 1024 throughout, as in CloudTik's configs and Java's options.
 */
const UNIT_POWER: Record<string, number> = { K: 1, M: 2, G: 3, T: 4 };

const MEMORY_TEXT = /^(\d+(?:\.\d+)?)\s*(?:([KMGT])i?B?|B)?$/i;

/**
 * Bytes in a memory size. Accepts a number of bytes (`4294967296`) or text with a binary
 * unit: `4G`, `1024M`, `512Mi`, `1.5G`, `4GB`, `2 GiB`, `100K`, `1T` (K/M/G/T are powers of
 * 1024, case-insensitive; a bare number or `B` means bytes). Fractions are rounded down to
 * whole bytes. Throws an `Error` naming the value for anything else (negative, empty, NaN,
 * unknown unit).
 */
export function parseMemory(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0)
      throw new Error(`invalid memory size ${value}: must be a number of bytes >= 0`);
    return Math.floor(value);
  }
  const match = MEMORY_TEXT.exec(value.trim());
  if (!match) {
    throw new Error(
      `invalid memory size ${JSON.stringify(value)}: expected a number with a unit K, M, G or T (for example 4G, 1024M, 512Mi)`,
    );
  }
  const amount = Number(match[1]);
  const unit = match[2]?.toUpperCase();
  const power = unit === undefined ? 0 : (UNIT_POWER[unit] ?? 0);
  return Math.floor(amount * 1024 ** power);
}

const FORMAT_UNITS: ReadonlyArray<[string, number]> = [
  ['T', 1024 ** 4],
  ['G', 1024 ** 3],
  ['M', 1024 ** 2],
  ['K', 1024],
];

export interface FormatMemoryOptions {
  /** Name the unit the IEC way, `4GiB` rather than `4G` (bytes stay `512B`). */
  iec?: boolean;
}

/**
 * Short text for a number of bytes with the largest binary unit that keeps the amount >= 1,
 * at most two decimals and no trailing zeros: `4294967296 -> "4G"`, `1610612736 -> "1.5G"`,
 * `512 -> "512B"`. `parseMemory(formatMemory(n))` equals `n` whenever two decimals are exact.
 */
export function formatMemory(bytes: number, options: FormatMemoryOptions = {}): string {
  for (const [unit, size] of FORMAT_UNITS) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(2))}${unit}${options.iec === true ? 'iB' : ''}`;
  }
  return `${Math.max(0, Math.floor(bytes))}B`;
}

/**
 * The largest unit in which a size is a whole number: `2G`, `1792M`, `1000K` (what Java's and
 * Spark's memory options take, and what a hint can ask for exactly). Bytes are rounded down.
 */
export function formatMemoryWhole(bytes: number): string {
  const whole = Math.max(0, Math.floor(bytes));
  for (const [unit, size] of FORMAT_UNITS) {
    if (whole >= size && whole % size === 0) return `${whole / size}${unit}`;
  }
  return `${whole}B`;
}
