/**
 * What bin/cloudtik.js runs for the command line (dist/bin/main.js, see scripts/bundle-cli.mjs):
 * the command line of main.ts from its CommonJS bundle beside this one (dist/bin/cli.cjs), through
 * V8's code cache (src/core/code-cache.ts). As some 40 ES modules, Node 20 resolved, read and
 * compiled each anew in every command (~60 ms of CPU before a config was read); from the cache,
 * one file. Where there was no cache, or the cache has not seen a command of this name, it is
 * written when the process exits, with every function the command compiled by then: `start` on
 * Kubernetes reached its first request about 30 ms sooner from a cache that had seen a `start`
 * than from one that had not.
 */
import { fileURLToPath } from 'node:url';
import { runWithCodeCache } from '../core/code-cache.js';

type Cli = typeof import('./main.js');

/**
 * The command's first word, as the cache's topic (not a file a command names, nor an option's
 * value). None for `cloudtik node ...`, the calls of a node's own start and stop: a cache grown
 * there would be written in the node's CPU share while it starts; the node image's was written at
 * its build.
 */
const word = process.argv[2];
const topic = word !== undefined && word !== 'node' && /^-{0,2}[a-z][a-z-]*$/.test(word) ? word : undefined;
const cli = runWithCodeCache(fileURLToPath(new URL('./cli.cjs', import.meta.url)), undefined, topic);
if (cli.keep !== undefined) process.once('exit', cli.keep);

export const { main } = cli.exports as Cli;
