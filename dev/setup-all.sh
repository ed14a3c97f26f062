#!/usr/bin/env bash
# Prepare a fresh Debian/Ubuntu machine for CloudTik development: the dev tools, a running Docker
# engine, the npm dependencies, the built and packed package, the `cloudtik` CLI and the node images.
# Safe to run again: every step checks first and does nothing when already done.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
cd "$CLOUDTIK_ROOT"

usage() {
  cat <<'EOF'
usage: dev/setup-all.sh [--quiet] [--no-images] [--no-k8s]

Sets up this machine for CloudTik development; each step is skipped when already done:
  1. the host programs the CLI, the tests and the dev scripts run, when missing: git, curl,
     jq, rsync, debootstrap, redis-server, ssh, Maven's mvn, Python with venv and pip,
     Node.js >= 20, Chromium (see the table in step 1 for who needs what)
  2. a Docker engine that answers (Debian's docker.io when none does; started; the user
     added to the docker group when not root)
  3. the npm dependencies (npm ci)
  4. the package: npm run build (skipped when its inputs did not change), then packed to
     .release/package/cloudtik-<version>.tgz
  5. the cloudtik CLI on the PATH (npm link to this checkout)
  6. the node images (cloudtik image build; cached by content hash)
  7. the development Kubernetes (dev/k8s.sh deps and build: Debian's etcd, containerd, runc
     and CNI plugins when missing, then Kubernetes and CoreDNS built from source into
     ~/.cache/cloudtik/k8s-<version>; minutes the first time, seconds after); needs Go >= 1.26
     on the PATH, skipped with a note without it

  --quiet      print only errors
  --no-images  skip step 6
  --no-k8s     skip step 7
EOF
}

SKIP_IMAGES=0
SKIP_K8S=0
for arg in "$@"; do
  case "$arg" in
    --quiet) QUIET=1 ;;
    --no-images) SKIP_IMAGES=1 ;;
    --no-k8s) SKIP_K8S=1 ;;
    *) help_or_unknown "$arg" ;;
  esac
done

# 1. Host programs, only the missing ones (checked by what they provide, not by package name).
#   program        package          who runs it
#   docker/dockerd docker.io        everything (step 2); `attach`; dev/release-docker.sh
#   git            git              dev/release*.sh; test/release.it.test.ts
#   curl           curl             image builds (downloads); dev/release-github.sh
#   jq             jq               dev/release-github.sh
#   rsync          rsync            nothing on the host today (the CLI copies through the engine);
#                                   kept for copying trees by hand
#   debootstrap    debootstrap      image builds: the Debian base of every node image
#   redis-server   redis-server     src/core/state/redis-store.test.ts (a real Redis on loopback)
#   ssh            openssh-client   the CLI, for an engine at DOCKER_HOST=ssh://...
#   mvn            maven            image builds: which Maven repository to download from
#                                   (not needed when CLOUDTIK_MAVEN_REPO names one)
#   python3 -m pip python3-pip      image builds: which Python package index to download from
#                                   (not needed when PIP_INDEX_URL names one)
#   python3 -m venv python3-venv    test/release/stand-ins.sh, dev/lib/common.sh ensure_venv
#   node, npm      nodejs npm       everything (must be Node.js >= 20)
#   chromium       chromium         test/dashboard.it.test.ts and bench/dashboard.mjs (a real headless
#                                   browser, driven by playwright-core)
#   etcd, containerd, runc, CNI plugins, iptables, openssl
#                  (see dev/k8s.sh) the development Kubernetes: installed by step 7, not here
# tar, bash, coreutils and sha256sum come with every Debian system.
need=()
engine_up() { timeout 5 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }
want() { command -v "$1" >/dev/null 2>&1 || need+=("$2"); }
if ! engine_up && ! command -v dockerd >/dev/null 2>&1; then need+=(docker.io); fi
want git git
want curl curl
want jq jq
want rsync rsync
want debootstrap debootstrap
want redis-server redis-server
want ssh openssh-client
[ -n "${CLOUDTIK_MAVEN_REPO:-}" ] || want mvn maven
[ -f /etc/ssl/certs/ca-certificates.crt ] || need+=(ca-certificates)
command -v node >/dev/null 2>&1 || need+=(nodejs npm)
want chromium chromium
if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  need+=(python3 python3-venv)
fi
if [ -z "${PIP_INDEX_URL:-}" ] && ! python3 -c 'import pip' >/dev/null 2>&1; then need+=(python3-pip); fi
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # Only the program is wanted: the tests start their own Redis on a free port.
  if [[ " ${need[*]} " == *" redis-server "* ]] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    $SUDO systemctl disable --now redis-server >/dev/null 2>&1 || true
  fi
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
  die "Node.js $(node --version) is too old: CloudTik needs Node.js 20 or newer (install a newer nodejs and run this again)"
fi

# 2. A Docker engine that answers.
if ! engine_up; then
  say "starting the Docker engine"
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    $SUDO systemctl start docker || true
  fi
  if ! engine_up; then
    $SUDO mkdir -p /var/log
    $SUDO sh -c 'nohup setsid dockerd >/var/log/cloudtik-dockerd.log 2>&1 </dev/null &'
  fi
  for _ in $(seq 1 120); do
    engine_up && break
    sleep 0.5
  done
  engine_up || die "the Docker engine did not start; see /var/log/cloudtik-dockerd.log"
fi
if [ "$(id -u)" != 0 ] && ! id -nG | grep -qw docker; then
  say "adding $(id -un) to the docker group (log in again for it to apply)"
  $SUDO usermod -aG docker "$(id -un)"
fi

# 3. npm dependencies.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi

# 4. The built package, and its tarball (packed again only when what goes into it changed).
build_package
version="$(package_version "$CLOUDTIK_ROOT")"
pack_dir=.release/package
tarball="$pack_dir/cloudtik-$version.tgz"
pack_fp="$(fingerprint "${BUILD_INPUTS[@]}" bin docker README.md)"
if [ ! -f "$tarball" ] || [ "$(cat "$pack_dir/.inputs" 2>/dev/null)" != "$pack_fp" ]; then
  say "packing $tarball"
  mkdir -p "$pack_dir"
  npm pack --silent --ignore-scripts --pack-destination "$pack_dir" >/dev/null
  printf '%s\n' "$pack_fp" >"$pack_dir/.inputs"
fi

# 5. The `cloudtik` CLI on PATH, pointing at this working tree.
if [ "$(readlink -f "$(command -v cloudtik 2>/dev/null || true)")" != "$(readlink -f bin/cloudtik.js)" ]; then
  say "installing the cloudtik CLI"
  $SUDO npm link --no-audit --no-fund --loglevel=error >/dev/null
fi

# 6. Node images (cached by content hash: well under a second when nothing changed).
if [ "$SKIP_IMAGES" = 0 ]; then
  say "building node images"
  if [ "$QUIET" = 1 ]; then
    node bin/cloudtik.js image build >/dev/null
  else
    node bin/cloudtik.js image build
  fi
fi
# 7. The development Kubernetes (test/k8s-dev.it.test.ts and the kubernetes provider's tests).
if [ "$SKIP_K8S" = 0 ]; then
  if command -v go >/dev/null 2>&1; then
    k8s_args=()
    [ "$QUIET" = 1 ] && k8s_args+=(--quiet)
    bash dev/k8s.sh "${k8s_args[@]}" deps
    bash dev/k8s.sh "${k8s_args[@]}" build
  else
    warn "Go is not installed: the development Kubernetes is not built (install Go >= 1.26, then run dev/k8s.sh build)"
  fi
fi
[ "$QUIET" = 1 ] || echo "ready: cloudtik $(node bin/cloudtik.js --version), package $tarball"
