/**
 * Masking secrets out of what `cluster-dump` collects (configs, logs, process lists), before
 * anything is written to the archive. Two passes: values under keys that name a secret (a
 * password, token, key, credential) in the formats configs use, and every occurrence of the
 * secret values known for the cluster (its state store password, the config's secret values),
 * wherever they were copied to. Pure.
 */

export const MASK = '******';

/** A key whose value is a secret: `password`, `requirepass`, `MY_API_TOKEN`, `aws_secret_access_key`, `encryption.key`. */
const SECRET_KEY =
  /password|passwd|passphrase|(^|[^a-z])pass($|[^a-z])|requirepass|secret|token|credential|(^|[^a-z])(api|access|private|encryption|secret|auth|signing)[_.-]?key($|[^a-z])|(^|[_.-])key$/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** `"key": "value"` (JSON, YAML flow style). */
const QUOTED_PAIR = /("([^"\\]*)"\s*:\s*)"((?:[^"\\]|\\.)*)"/g;
/** `key=value`, `export key=value`, `key: value`, `--key=value` at a line's start. */
const LINE_PAIR = /^(\s*(?:export\s+|-{1,2})?(['"]?)([A-Za-z0-9_.-]+)\2\s*[=:]\s*)(\S.*)$/;
/** `key value` alone on a line (redis.conf's `requirepass x`); longer lines are prose, as in logs. */
const SPACE_PAIR = /^(\s*([A-Za-z0-9_.-]+)\s+)(\S+)\s*$/;
/** `--password=x` or `-Dpassword=x` anywhere in a line (command lines in process lists). */
const ARG_PAIR = /(\s-{1,2}D?([A-Za-z0-9_.-]+)=)(\S+)/g;
/** A Hadoop-style property: `<name>…password…</name> <value>x</value>`. */
const XML_PROPERTY = /(<name>\s*([^<]*?)\s*<\/name>\s*<value>)([^<]*)(<\/value>)/g;
/** Credentials in a URL: `scheme://user:password@host`. */
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)([^\s@/]+)(@)/gi;

function maskLine(line: string): string {
  let out = line.replace(QUOTED_PAIR, (all, head: string, key: string) =>
    isSecretKey(key) ? `${head}"${MASK}"` : all,
  );
  const m = LINE_PAIR.exec(out);
  if (m && isSecretKey(m[3] ?? '') && !(m[4] ?? '').startsWith(`"${MASK}"`)) out = `${m[1]}${MASK}`;
  const s = SPACE_PAIR.exec(out);
  if (s && isSecretKey(s[2] ?? '')) out = `${s[1]}${MASK}`;
  out = out.replace(ARG_PAIR, (all, head: string, key: string) => (isSecretKey(key) ? `${head}${MASK}` : all));
  return out.replace(URL_CREDENTIALS, `$1${MASK}$3`);
}

/** Every occurrence of each known secret value (shorter than 4 characters: too likely a common word). */
export function maskValues(text: string, secrets: readonly string[]): string {
  let out = text;
  const longestFirst = [...new Set(secrets)].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  for (const s of longestFirst) out = out.split(s).join(MASK);
  return out;
}

/** Mask a text file's secrets: by key in each line and across XML properties, then the known values. */
export function maskText(text: string, secrets: readonly string[] = []): string {
  const byKey = text
    .replace(XML_PROPERTY, (all, head: string, key: string, _v: string, tail: string) =>
      isSecretKey(key) ? `${head}${MASK}${tail}` : all,
    )
    .split('\n')
    .map(maskLine)
    .join('\n');
  return maskValues(byKey, secrets);
}

/** A copy of a parsed config with the values under secret keys masked (strings and numbers). */
export function maskObject(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskObject);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [
      k,
      isSecretKey(k) && (typeof v === 'string' || typeof v === 'number') ? MASK : maskObject(v),
    ]),
  );
}

/** The values under secret keys anywhere in a parsed config: they are masked wherever else they show. */
export function secretValues(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(secretValues);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
    isSecretKey(k) && (typeof v === 'string' || typeof v === 'number') ? [String(v)] : secretValues(v),
  );
}
