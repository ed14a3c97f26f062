#!/usr/bin/env bash
# Installs the local stand-ins test/release.it.test.ts runs the release steps against, once, into
# the tool cache (~/.cache/cloudtik/stand-ins):
#   - moto's server mode (S3 and CloudFront), in a Python venv, with boto3 for the test's checks
#   - verdaccio, an npm registry, from npm
#   - Debian's docker-registry, a container registry (its system service is not wanted: the test
#     starts its own on loopback)
# Prints KEY=VALUE lines: MOTO_SERVER, PYTHON, VERDACCIO, DOCKER_REGISTRY.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../../dev/lib/common.sh
. "$(dirname "$0")/../../dev/lib/common.sh"

MOTO_REQUIREMENT="moto[server]==5.2.5"
# verdaccio 6.8 is the last to run on Node 20; one of its plugins asks for node-fetch by a dist-tag
# that not every registry mirror keeps, hence the override.
VERDACCIO_PACKAGE='{"private":true,"dependencies":{"verdaccio":"6.8.0"},"overrides":{"verdaccio-audit":{"node-fetch":"2.7.0"}}}'

case "${1:-}" in
  install) ;;
  -h | --help | "")
    echo "usage: test/release/stand-ins.sh install"
    exit 0
    ;;
  *) usage_error "unknown command: $1" ;;
esac

# docker-registry
if ! command -v docker-registry >/dev/null 2>&1; then
  apt_install docker-registry
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    $SUDO systemctl disable --now docker-registry >/dev/null 2>&1 || true
  fi
fi

# moto
venv="$(ensure_venv stand-ins "$MOTO_REQUIREMENT")"

# verdaccio
dir="$CLOUDTIK_CACHE/stand-ins/verdaccio"
if [ ! -f "$dir/node_modules/verdaccio/bin/verdaccio" ] || [ "$(cat "$dir/package.json" 2>/dev/null)" != "$VERDACCIO_PACKAGE" ]; then
  say "installing verdaccio into $dir"
  rm -rf "$dir"
  mkdir -p "$dir"
  printf '%s' "$VERDACCIO_PACKAGE" >"$dir/package.json"
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error >&2) || {
    rm -rf "$dir"
    die "npm install verdaccio failed"
  }
fi

echo "MOTO_SERVER=$venv/bin/moto_server"
echo "PYTHON=$venv/bin/python"
echo "VERDACCIO=$dir/node_modules/verdaccio/bin/verdaccio"
echo "DOCKER_REGISTRY=$(command -v docker-registry)"
