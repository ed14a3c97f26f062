// What scripts/bundle-cli.mjs and bench/code-cache.mjs (which builds the CLI's bundles as they
// were before, to run them beside the CLI's) both give esbuild.
import path from 'node:path';

/** Every bundle: for the oldest Node the package supports, without licence comments. */
export const nodeBundle = { bundle: true, platform: 'node', target: 'node20', legalComments: 'none' };

/**
 * ES modules for Node with a chunk per lazily imported module; bundled CommonJS packages call
 * require(), so each module gets Node's. tar-fs stays in node_modules (see scripts/bundle-cli.mjs).
 */
export const esmChunks = {
  ...nodeBundle,
  splitting: true,
  format: 'esm',
  external: ['tar-fs'],
  banner: {
    js: "import { createRequire as __cloudtikRequire } from 'node:module'; const require = __cloudtikRequire(import.meta.url);",
  },
};

/**
 * Two packages the Kubernetes client loads at its start for what the CLI never or seldom asks of it
 * (bench/code-cache.mjs loads it both ways):
 * - `whatwg-url`, which node-fetch 2 keeps only for a Node without a global `URL` (it takes
 *   `require('url').URL` first): its Unicode tables alone were 10 ms of every load. Node's URL here.
 * - `socks-proxy-agent` (with `socks` and `ip-address`), used only for a kubeconfig whose cluster
 *   names a `socks` proxy-url: loaded when such an agent is made (test/package.it checks one is).
 */
export const kubeClientLazy = (root) => ({
  name: 'kube-client-lazy',
  setup(b) {
    const socks = path.join(root, 'node_modules/socks-proxy-agent/dist/index.js');
    b.onResolve({ filter: /^(whatwg-url|socks-proxy-agent)$/ }, (a) => ({ path: a.path, namespace: 'lazy' }));
    b.onLoad({ filter: /^whatwg-url$/, namespace: 'lazy' }, () => ({
      contents: "module.exports = { URL: require('node:url').URL };",
      loader: 'js',
    }));
    b.onLoad({ filter: /^socks-proxy-agent$/, namespace: 'lazy' }, () => ({
      contents: `class SocksProxyAgent {
  constructor(...args) {
    return new (require(${JSON.stringify(socks)}).SocksProxyAgent)(...args);
  }
}
module.exports = { SocksProxyAgent };`,
      loader: 'js',
      resolveDir: root,
    }));
  },
});
