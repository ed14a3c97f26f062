#!/usr/bin/env node
import module from 'node:module';
import os from 'node:os';
import path from 'node:path';

// Node 22+ keeps compiled code between runs (nodes run the CLI a dozen times as they start), in a
// folder of the user's own: the default one under /tmp is made by the first user to run it (root,
// at image build) and then refused to the node user, and a folder every user can write to would
// let one user plant compiled code that another runs. NODE_COMPILE_CACHE still chooses another;
// a user without a home folder gets Node's default.
const home = os.homedir();
const own = path.isAbsolute(home) ? path.join(home, '.cache', 'node-compile-cache') : undefined;
module.enableCompileCache?.(process.env.NODE_COMPILE_CACHE || own);
// The node-side calls of every node's way up go to a light entry (src/node/service-main.ts):
// `cloudtik node run|start|batch`. It runs those calls itself when they are what nodes give
// (a service, a node's start command, the updater's batch) and passes any other to the CLI.
const [group, sub] = process.argv.slice(2);
const nodeCall = group === 'node' && (sub === 'run' || sub === 'start' || sub === 'batch');
import(nodeCall ? '../dist/bin/service.js' : '../dist/bin/main.js')
  .then((m) => m.main(process.argv))
  .catch((err) => {
    process.stderr.write(`cloudtik: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(70);
  });
