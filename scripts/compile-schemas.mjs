// Compiles the config schemas' validators into dist/config/schema/validators.cjs, which the CLI
// loads instead of compiling the schemas at every start (a quarter of a second of `cloudtik stop`).
// Usage: node scripts/compile-schemas.mjs   (run after tsc and copy-assets)
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { PRECOMPILED_FILE } = await import('../dist/config/schema-check.js');
const { validatorsModuleSource } = await import('../dist/config/schema-standalone.js');
const out = path.join(root, 'dist/config/schema', PRECOMPILED_FILE);
writeFileSync(out, validatorsModuleSource());
console.log(`compile-schemas: ${path.relative(root, out)}`);
