/** Short human renderings used in the scaler's reasons and messages. */
import { formatMemory } from '../units.js';
import type { ResourceBundle } from './types.js';

/**
 * A duration as people say it: "45s", "5m12s", "2h03m", "3d04h". Seconds and minutes are floored;
 * a zero tail is dropped ("10m", "2h"); negative durations count as zero.
 */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor((Number.isFinite(ms) ? ms : 0) / 1000));
  if (total < 60) return `${total}s`;
  const pad = (n: number): string => String(n).padStart(2, '0');
  const [unit, big, small, smallUnit] =
    total < 3600
      ? ['m', Math.floor(total / 60), total % 60, 's']
      : total < 86_400
        ? ['h', Math.floor(total / 3600), Math.floor((total % 3600) / 60), 'm']
        : ['d', Math.floor(total / 86_400), Math.floor((total % 86_400) / 3600), 'h'];
  return small === 0 ? `${big}${unit}` : `${big}${unit}${pad(small)}${smallUnit}`;
}

/** `{CPU: 4, GPU: 1}` with keys in a stable order, amounts as given. */
export function formatBundle(bundle: ResourceBundle): string {
  const keys = Object.keys(bundle).sort();
  return `{${keys.map((k) => `${k}: ${formatAmount(k, bundle[k] ?? 0)}`).join(', ')}}`;
}

/** Identical bundles counted: `{CPU: 2} × 3, {GPU: 1}`; "nothing" for none. */
export function formatBundles(bundles: readonly ResourceBundle[]): string {
  const counts = new Map<string, number>();
  for (const b of bundles) {
    const text = formatBundle(b);
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  if (counts.size === 0) return 'nothing';
  return [...counts].map(([text, n]) => (n === 1 ? text : `${text} × ${n}`)).join(', ');
}

function formatAmount(key: string, n: number): string {
  if (/memory/i.test(key) && n >= 2 ** 30) return formatMemory(n, { iec: true });
  return String(+n.toFixed(3));
}
