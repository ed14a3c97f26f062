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
#   STEP    ca packages node user (default: all, in this order)
# Environment: NODE_VERSION, NPM_VERSION (checked), CLOUDTIK_NODE_USER (default ubuntu), CLOUDTIK_NODE_KIND
#              (host mode: `worker` leaves out redis-server, the head's state store).
set -euo pipefail
# shellcheck source=install-lib.sh
. "$(dirname "$0")/install-lib.sh"

step_packages() {
    install -D -m 0755 "$(dirname "$0")/apt-install" /usr/local/libexec/cloudtik/apt-install
    install -D -m 0644 "$(dirname "$0")/install-lib.sh" /usr/local/libexec/cloudtik/install-lib.sh
    # openssh-client: a head in a container on a host of a pool reaches the other hosts over SSH.
    local packages=(bash ca-certificates curl iproute2 less openssh-client passwd procps rsync sudo tini)
    # redis-server is the head's state store.
    if for_head; then packages+=(redis-server); fi
    /usr/local/libexec/cloudtik/apt-install "${packages[@]}"
    disable_services redis-server
}

# Certificate authorities the image builder's host added to its trust store (for TLS-inspecting
# proxies). The bundle is made again only for a new or changed one (a second of CPU): on a host
# without ca-certificates, this step runs first and the package's own setup takes them in.
step_ca() {
    local crt name changed=0
    mkdir -p /usr/local/share/ca-certificates
    for crt in "$ctx"/host-ca/*.crt; do
        [ -f "$crt" ] || continue
        name=${crt##*/}
        if ! cmp -s "$crt" "/usr/local/share/ca-certificates/$name" || [ ! -e "/etc/ssl/certs/${name%.crt}.pem" ]; then
            install -m 0644 "$crt" /usr/local/share/ca-certificates/
            changed=1
        fi
    done
    if [ "$changed" = 1 ] && command -v update-ca-certificates >/dev/null; then
        update-ca-certificates >/dev/null
    fi
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

layer_main "ca packages node user" "$@"
