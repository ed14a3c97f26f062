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

/**
 * Short text for a number of bytes with the largest binary unit that keeps the amount >= 1,
 * at most two decimals and no trailing zeros: `4294967296 -> "4G"`, `1610612736 -> "1.5G"`,
 * `512 -> "512B"`. `parseMemory(formatMemory(n))` equals `n` whenever two decimals are exact.
 */
export function formatMemory(bytes: number): string {
  for (const [unit, size] of FORMAT_UNITS) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(2))}${unit}`;
  }
  return `${Math.max(0, Math.floor(bytes))}B`;
}
