/**
 * What bin/cloudtik.js runs for the command line (dist/bin/main.js, see scripts/bundle-cli.mjs):
 * the command line of main.ts from its CommonJS bundle beside this one (dist/bin/cli.cjs), through
 * V8's code cache (src/core/code-cache.ts). As some 40 ES modules, Node 20 resolved, read and
 * compiled each anew in every command (~60 ms of CPU before a config was read); from the cache,
 * one file. Where there was no cache, it is written when the process exits, with every function
 * the command compiled by then, not only those the bundle's own start ran.
 */
import { fileURLToPath } from 'node:url';
import { runWithCodeCache } from '../core/code-cache.js';

type Cli = typeof import('./main.js');

const cli = runWithCodeCache(fileURLToPath(new URL('./cli.cjs', import.meta.url)));
if (cli.keep !== undefined) process.once('exit', cli.keep);

export const { main } = cli.exports as Cli;
