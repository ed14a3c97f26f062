#!/bin/bash
# Installs the cloudtik npm package globally, so `cloudtik` (node agent, controller, runtime
# commands) runs for every user. The cloudtik Dockerfile runs it; `cloudtik` runs it with sudo on
# bare hosts (src/core/host/).
#
# Usage: install.sh PACKAGE VERSION [MODE]
#   PACKAGE  the packed tarball (cloudtik.tgz, kept as /opt/cloudtik/cloudtik-VERSION.tgz so a node
#            can reinstall it offline; it may be that file already) or a package URL
#            (cloudtik_package_url), installed as given
#   VERSION  the version the installed package must report (empty: not checked, for a URL)
#   MODE     image (default) or host: a bare host leaves out the optional packages, the Kubernetes
#            client (3,900 of the 5,600 files an install writes) that only pods use; its package
#            lives in /opt/cloudtik/package, linked from the global node_modules
set -euo pipefail
package=$1
version=$2
mode=${3:-image}
case "$mode" in
    image | host) ;;
    *) echo "install.sh: MODE must be image or host" >&2; exit 2 ;;
esac
export PATH=/usr/local/bin:$PATH
kept=/opt/cloudtik/cloudtik-${version}.tgz
# The Dockerfile copies the tarball straight to where it is kept; a bare host's stage folder has it.
if [ -f "$package" ] && [ -n "$version" ]; then
    [ "$package" -ef "$kept" ] || install -D -m 0644 "$package" "$kept"
    package=$kept
fi
# --prefer-offline: a reinstall (a new cloudtik on a host) takes its dependencies from the shared cache.
flags=(--omit=dev --no-audit --no-fund --prefer-offline)

# npm ignores --omit=optional when it installs a tarball globally: on a host, the package is unpacked
# into its own folder, its dependencies installed there, and the folder linked as the global package.
install_unpacked() {
    local dir=/opt/cloudtik/package tgz=$1 packed
    packed=$(mktemp -d)
    if [ ! -f "$tgz" ]; then
        (cd "$packed" && npm pack --silent --prefer-offline "$tgz" >/dev/null)
        tgz=$(find "$packed" -maxdepth 1 -name '*.tgz' -print -quit)
    fi
    rm -rf "$dir.new"
    mkdir -p "$dir.new"
    tar -xzf "$tgz" -C "$dir.new" --strip-components=1 --no-same-owner
    (cd "$dir.new" && npm install "${flags[@]}" --omit=optional --no-package-lock)
    rm -rf "$packed" "$dir.old"
    if [ -e "$dir" ]; then mv "$dir" "$dir.old"; fi
    mv "$dir.new" "$dir"
    rm -rf "$dir.old"
    npm install --global --no-audit --no-fund "$dir"
}

if [ "$mode" = host ]; then
    install_unpacked "$package"
else
    npm install --global "${flags[@]}" "$package"
fi
test -x /usr/local/bin/cloudtik
[ -z "$version" ] || test "$(node -p 'require("/usr/local/lib/node_modules/cloudtik/package.json").version')" = "$version"
# Everyone's npm (and `sudo npm`) shares the cache the install filled.
chmod -R a+rwX /var/cache/cloudtik-npm

# An image's node user gets its compile cache (see bin/cloudtik.js) filled now, from every module of
# the CLI's bundle (and the code caches of the command line's and the Kubernetes client's CommonJS
# bundles, see src/core/code-cache.ts, which two of them load): a new node's first CLI runs (its start commands, its agent, the head's
# controller) would otherwise each compile what they load and write it there, about 20 ms of CPU
# apiece in a pod's share of a core. The cache matches only the same Node on the same kind of CPU;
# elsewhere Node fills it as before.
node_user=${CLOUDTIK_NODE_USER:-ubuntu}
if [ "$mode" = image ] && id -u "$node_user" >/dev/null 2>&1; then
    (cd / && su "$node_user" -s /bin/sh -c 'node --input-type=module -e "$0"' '
import module from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
module.enableCompileCache(path.join(os.homedir(), ".cache", "node-compile-cache"));
const dir = "/usr/local/lib/node_modules/cloudtik/dist/bin";
for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".js"))) await import(path.join(dir, f));
')
fi
