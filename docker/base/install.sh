#!/bin/bash
# Installs the cloudtik/base layer: the tools node setup relies on, Node and npm, the CA bundle
# settings, the node user's sudo rule. The base Dockerfile runs it in steps; `cloudtik` runs it
# with sudo on bare hosts (src/core/host/).
#
# Usage: install.sh FOLDER MODE [STEP...]
#   FOLDER  holds this folder's files plus `node` (from the npm package node-linux-<arch>), npm.tgz
#           and, in images, host-ca/*.crt. A `node` missing from FOLDER must already be in
#           /usr/local/bin (the Dockerfile copies it there, so it is in no layer twice); the
#           version check below tells a wrong one.
#   MODE    image: also creates the user ubuntu (uid 1000), the skeleton .bashrc and the group-sudo rule
#           host:  leaves users and their dotfiles alone; the rule covers CLOUDTIK_NODE_USER only
#   STEP    packages ca node user (default: all, in this order)
# Environment: NODE_VERSION, NPM_VERSION (checked), CLOUDTIK_NODE_USER (default ubuntu).
set -euo pipefail
# shellcheck source=install-lib.sh
. "$(dirname "$0")/install-lib.sh"

step_packages() {
    install -D -m 0755 "$(dirname "$0")/apt-install" /usr/local/libexec/cloudtik/apt-install
    install -D -m 0644 "$(dirname "$0")/install-lib.sh" /usr/local/libexec/cloudtik/install-lib.sh
    /usr/local/libexec/cloudtik/apt-install \
        bash ca-certificates curl iproute2 less passwd procps redis-server rsync sudo tini
    disable_services redis-server
}

# Certificate authorities the image builder's host added to its trust store (for TLS-inspecting proxies).
step_ca() {
    if [ -d "$ctx/host-ca" ]; then
        find "$ctx/host-ca" -maxdepth 1 -name '*.crt' -exec install -m 0644 -t /usr/local/share/ca-certificates/ {} +
    fi
    update-ca-certificates >/dev/null
    install -D -m 0644 "$ctx/profile.sh" /etc/profile.d/cloudtik-base.sh
}

# Node and npm; npm reads the system CA bundle through `cafile`, so `sudo npm` trusts the same CAs.
step_node() {
    if [ -e "$ctx/node" ]; then
        install -m 0755 "$ctx/node" /usr/local/bin/node
    fi
    rm -rf /usr/local/lib/node_modules/npm
    mkdir -p /usr/local/lib/node_modules/npm /usr/local/etc /var/cache/cloudtik-npm
    tar -xzf "$ctx/npm.tgz" -C /usr/local/lib/node_modules/npm --strip-components=1 --no-same-owner
    ln -sfn ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
    ln -sfn ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
    printf '%s\n' 'cache=/var/cache/cloudtik-npm' 'cafile=/etc/ssl/certs/ca-certificates.crt' \
        'update-notifier=false' 'fund=false' 'audit=false' > /usr/local/etc/npmrc
    test "$(/usr/local/bin/node --version)" = "v${NODE_VERSION}"
    test "$(PATH=/usr/local/bin:$PATH npm --version)" = "${NPM_VERSION}"
    chmod -R a+rwX /var/cache/cloudtik-npm
}

# The node user may become root without a password (setup commands and the node-side cloudtik run
# sudo without a terminal); the CA bundle and npm cache settings survive sudo.
step_user() {
    local rules=/etc/sudoers.d/cloudtik-nodes
    if [ "$mode" = image ]; then
        install -m 0644 "$ctx/bashrc" /etc/skel/.bashrc
        cp /etc/skel/.bashrc /root/.bashrc
        id -u "$user" >/dev/null 2>&1 || useradd --create-home --uid 1000 --user-group --groups sudo --shell /bin/bash "$user"
    fi
    id -u "$user" >/dev/null
    {
        grep -v '^ubuntu \|^%sudo ' "$ctx/sudoers"
        grep '^ubuntu ' "$ctx/sudoers" | sed "s/^ubuntu /$user /"
        [ "$mode" = host ] || grep '^%sudo ' "$ctx/sudoers"
    } > "$rules.tmp"
    chmod 0440 "$rules.tmp"
    visudo -cq -f "$rules.tmp"
    mv "$rules.tmp" "$rules"
    runuser -u "$user" -- sudo -n true
}

layer_main "packages ca node user" "$@"
