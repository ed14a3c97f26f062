import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The package version (from package.json, one level above both `src/` and `dist/`). */
export function packageVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
    .version;
  return cached;
}

/** The package root folder (holds package.json, dist/ and docker/). */
export function packageRoot(): string {
  return new URL('..', import.meta.url).pathname;
}
