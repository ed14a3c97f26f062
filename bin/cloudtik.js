#!/usr/bin/env node
import('../dist/bin/main.js')
  .then((m) => m.main(process.argv))
  .catch((err) => {
    process.stderr.write(`cloudtik: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(70);
  });
