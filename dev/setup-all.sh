#!/usr/bin/env bash
# Prepare a fresh Debian/Ubuntu machine for CloudTik development: system tools, a running Docker
# engine, the npm dependencies, the built package, the `cloudtik` CLI and the node images.
# Safe to run again: every step checks first and does nothing when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

QUIET=0
SKIP_IMAGES=0
for arg in "$@"; do
  case "$arg" in
    --quiet) QUIET=1 ;;
    --no-images) SKIP_IMAGES=1 ;;
    -h|--help) echo "usage: dev/setup-all.sh [--quiet] [--no-images]"; exit 0 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

say() { [ "$QUIET" = 1 ] || echo "==> $*"; }
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# 1. System packages, only the missing ones.
need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
command -v rsync >/dev/null 2>&1 || need+=(rsync)
command -v git >/dev/null 2>&1 || need+=(git)
command -v node >/dev/null 2>&1 || need+=(nodejs npm)
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# 2. A Docker engine that answers.
engine_up() { timeout 5 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }
if ! engine_up; then
  say "starting the Docker engine"
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    $SUDO systemctl start docker || true
  fi
  if ! engine_up; then
    $SUDO mkdir -p /var/log
    $SUDO sh -c 'nohup setsid dockerd >/var/log/cloudtik-dockerd.log 2>&1 </dev/null &'
  fi
  for _ in $(seq 1 120); do engine_up && break; sleep 0.5; done
  engine_up || { echo "the Docker engine did not start; see /var/log/cloudtik-dockerd.log" >&2; exit 1; }
fi
if [ "$(id -u)" != 0 ] && ! id -nG | grep -qw docker; then
  say "adding $(id -un) to the docker group (log in again for it to apply)"
  $SUDO usermod -aG docker "$(id -un)"
fi

# 3. npm dependencies and the built package.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi
say "building the package"
npm run -s build

# 4. The `cloudtik` CLI on PATH, pointing at this working tree.
if [ "$(readlink -f "$(command -v cloudtik 2>/dev/null || true)")" != "$(readlink -f bin/cloudtik.js)" ]; then
  say "installing the cloudtik CLI"
  $SUDO npm link --no-audit --no-fund --loglevel=error >/dev/null
fi

# 5. Node images (cached by content hash: seconds when nothing changed).
if [ "$SKIP_IMAGES" = 0 ]; then
  say "building node images"
  node bin/cloudtik.js image build
fi
say "ready: $(node bin/cloudtik.js --version)"
