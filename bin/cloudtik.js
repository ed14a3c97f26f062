#!/usr/bin/env node
import module from 'node:module';

// Node 22+ keeps compiled code between runs (nodes run the CLI a dozen times as they start).
module.enableCompileCache?.();
import('../dist/bin/main.js')
  .then((m) => m.main(process.argv))
  .catch((err) => {
    process.stderr.write(`cloudtik: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(70);
  });
