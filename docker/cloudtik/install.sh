#!/bin/bash
# Installs the cloudtik npm package globally, so `cloudtik` (node agent, controller, runtime
# commands) runs for every user. The cloudtik Dockerfile runs it; `cloudtik` runs it with sudo on
# bare hosts (src/core/host/).
#
# Usage: install.sh PACKAGE VERSION
#   PACKAGE  the packed tarball (cloudtik.tgz, kept as /opt/cloudtik/cloudtik-VERSION.tgz so a node
#            can reinstall it offline; it may be that file already) or a package URL
#            (cloudtik_package_url), installed as given
#   VERSION  the version the installed package must report (empty: not checked, for a URL)
set -euo pipefail
package=$1
version=$2
export PATH=/usr/local/bin:$PATH
kept=/opt/cloudtik/cloudtik-${version}.tgz
# The Dockerfile copies the tarball straight to where it is kept; a bare host's stage folder has it.
if [ -f "$package" ] && [ -n "$version" ]; then
    [ "$package" -ef "$kept" ] || install -D -m 0644 "$package" "$kept"
    package=$kept
fi
# --prefer-offline: a reinstall (a new cloudtik on a host) takes its dependencies from the shared cache.
npm install --global --omit=dev --no-audit --no-fund --prefer-offline "$package"
test -x /usr/local/bin/cloudtik
[ -z "$version" ] || test "$(node -p 'require("/usr/local/lib/node_modules/cloudtik/package.json").version')" = "$version"
# Everyone's npm (and `sudo npm`) shares the cache the install filled.
chmod -R a+rwX /var/cache/cloudtik-npm
