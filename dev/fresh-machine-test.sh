#!/usr/bin/env bash
# Runs the README's two commands, `bash dev/demo.sh` and then `npm test`, on a fresh Debian 12 system
# and reports each one's exit code, duration and the tail of its output.
#
# The fresh system is a container on this machine's Docker engine:
#   - made from the project's own debootstrapped base, cloudtik/debian:bookworm (built here with
#     `cloudtik image build --image cloudtik/debian` when the engine does not have it);
#   - given only what a machine of this kind has before any setup: python3, Node.js and npm at this
#     machine's versions (from the npm registry's node-linux-<arch> and npm packages, the way the node
#     images get theirs), the CA certificates this machine added to its trust store, and its proxy and
#     CA-file environment variables. No git, no Docker, no Redis, no Java, no Maven;
#   - holding a clean clone of this checkout at one commit (HEAD by default), so no node_modules, no
#     dist and nothing uncommitted;
#   - running its own Docker engine, which dev/setup-all.sh installs and starts as on any machine, on a
#     fresh volume at /var/lib/docker (overlay2 cannot stack on the container's own overlay root). The
#     images it builds and the clusters the tests start stay inside; this machine's engine only runs
#     the one container.
# A nested engine needs a privileged container. An engine that lacks a capability itself (then every
# privileged container fails with "unable to apply caps") cannot grant one, so the container instead
# gets every capability that engine has, no seccomp or AppArmor profile, unmasked /proc, all devices,
# and its cgroup and sysfs mounts remounted writable: the parts of "privileged" a nested engine uses.
#
# The container, its volume and the temporary clone are labelled and removed at the end, also on
# failure or Ctrl-C. The full output of each command stays in the log folder.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"

usage() {
  cat <<'EOF'
usage: dev/fresh-machine-test.sh [--ref REF] [--log-dir DIR] [--keep-demo-cluster] [--command CMD]... [--quiet]

Runs the README's two commands (bash dev/demo.sh, then npm test) in a fresh Debian 12 container with
its own Docker engine and only Node.js, npm and python3 installed, on a clean clone of this checkout,
and prints each command's exit code, duration and the tail of its output. Takes about 16 minutes
on a 2-core machine.

  --ref REF            the commit to test (default: HEAD; uncommitted changes are not tested)
  --log-dir DIR        where the logs go (default: .test-output/fresh-machine/<UTC time>)
  --keep-demo-cluster  leave the demo's cluster running while npm test runs (default: stop it
                       in between, as demo.sh suggests, to spare this machine's memory)
  --command CMD        run CMD (with bash, in the clone) instead of the README's commands;
                       repeat for several, e.g. --command 'bash dev/setup-all.sh --no-images'
  --quiet              commands' output only into the logs; print the report and errors

Exit code: 0 when every command exited 0, 1 when one did not, 2 for a usage error.
EOF
}

REF=HEAD
LOG_DIR=""
KEEP_DEMO=0
COMMANDS=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    --ref)
      need_value "$@"
      REF="$2"
      shift
      ;;
    --log-dir)
      need_value "$@"
      LOG_DIR="$2"
      shift
      ;;
    --keep-demo-cluster) KEEP_DEMO=1 ;;
    --quiet) QUIET=1 ;;
    --command)
      need_value "$@"
      COMMANDS+=("$2")
      shift
      ;;
    *) help_or_unknown "$1" ;;
  esac
  shift
done
CUSTOM=0
if [ "${#COMMANDS[@]}" -gt 0 ]; then
  CUSTOM=1
else
  COMMANDS=("bash dev/demo.sh" "npm test")
fi

BASE_IMAGE=cloudtik/debian:bookworm
LABEL=cloudtik-fresh-machine
RUN_ID="$(date -u +%Y%m%dT%H%M%S)-$$"
NAME="cloudtik-fresh-$RUN_ID"
PROJECT=/root/cloudtik
[ -n "$LOG_DIR" ] || LOG_DIR="$CLOUDTIK_ROOT/.test-output/fresh-machine/$RUN_ID"

need_cmd docker
need_cmd git
need_cmd npm
need_cmd tar
timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || die "no Docker engine answers (run dev/setup-all.sh)"
COMMIT="$(git -C "$CLOUDTIK_ROOT" rev-parse -q --verify "$REF^{commit}")" || usage_error "not a commit: $REF"
if [ "$REF" = HEAD ] && [ -n "$(git -C "$CLOUDTIK_ROOT" status --porcelain --untracked-files=no)" ]; then
  warn "uncommitted changes are not tested: the fresh system gets commit ${COMMIT:0:12}"
fi

WORK=""
CONTAINER=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  # Everything this run made carries its label (the container, a probe that failed to start, the volume).
  local left
  left="$(docker ps -aq --filter "label=$LABEL=$RUN_ID")"
  if [ -n "$left" ]; then docker rm -f $left >/dev/null || warn "could not remove containers: $left"; fi
  left="$(docker volume ls -q --filter "label=$LABEL=$RUN_ID")"
  if [ -n "$left" ]; then docker volume rm -f $left >/dev/null || warn "could not remove volumes: $left"; fi
  if [ -n "$WORK" ]; then rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
WORK="$(mktemp -d "${TMPDIR:-/tmp}/cloudtik-fresh.XXXXXX")"
mkdir -p "$LOG_DIR"
LOG_DIR="$(cd "$LOG_DIR" && pwd)"

# --- What goes into the fresh system ---

# Node.js and npm at this machine's versions, as npm registry packages (only bin/node is kept).
node_packages() {
  local arch node_version npm_version
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "no Node package is known for $(uname -m)" ;;
  esac
  node_version="$(node -p process.versions.node)"
  npm_version="$(npm --version)"
  say "packing Node.js $node_version and npm $npm_version from the npm registry"
  mkdir -p "$WORK/node"
  (cd "$WORK/node" && npm pack --silent "node-linux-$arch@$node_version" "npm@$npm_version" >/dev/null) ||
    die "npm pack of node-linux-$arch@$node_version or npm@$npm_version failed"
  tar -xzf "$WORK/node/node-linux-$arch-$node_version.tgz" -C "$WORK/node" package/bin/node
  mv "$WORK/node/package/bin/node" "$WORK/node/node"
  mv "$WORK/node/npm-$npm_version.tgz" "$WORK/node/npm.tgz"
  rm -rf "$WORK/node/package" "$WORK/node/node-linux-"*.tgz
}

# The certificates this machine added to its trust store (for TLS-inspecting proxies).
host_certificates() {
  mkdir -p "$WORK/node/ca"
  find /usr/local/share/ca-certificates -name '*.crt' -exec cp {} "$WORK/node/ca/" \; 2>/dev/null || true
}

# A clean clone at the commit under test.
project_clone() {
  say "cloning commit ${COMMIT:0:12} (no node_modules, no dist)"
  git clone -q --no-checkout "$CLOUDTIK_ROOT" "$WORK/cloudtik"
  git -C "$WORK/cloudtik" checkout -q --detach "$COMMIT"
}

# Network settings of this machine that a fresh machine of its kind has as well.
NET_ENV=()
for var in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY NODE_EXTRA_CA_CERTS PIP_CERT SSL_CERT_FILE REQUESTS_CA_BUNDLE; do
  if [ -n "${!var:-}" ]; then NET_ENV+=(-e "$var=${!var}"); fi
done

# --- The container ---

# The options that let a nested engine run: --privileged when this engine can grant it, else its parts.
privilege_options() {
  if docker run --rm --label "$LABEL=$RUN_ID" --privileged "$BASE_IMAGE" true >/dev/null 2>&1; then
    echo --privileged
    return 0
  fi
  local names=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE
    NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT
    SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE
    AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ
    PERFMON BPF CHECKPOINT_RESTORE)
  local pid bounding i
  pid="$(cat /var/run/docker.pid 2>/dev/null || echo self)"
  bounding="$(awk '/^CapBnd:/ {print $2}' "/proc/$pid/status" 2>/dev/null || awk '/^CapBnd:/ {print $2}' /proc/self/status)"
  echo --cap-add=ALL
  for i in "${!names[@]}"; do
    if (((0x$bounding >> i & 1) == 0)); then echo "--cap-drop=${names[$i]}"; fi
  done
  printf '%s\n' --security-opt=seccomp=unconfined --security-opt=apparmor=unconfined \
    --security-opt=systempaths=unconfined '--device-cgroup-rule=a *:* rwm'
}

# Inside the container, once, before the commands: what the machine has before any setup.
PROVISION='set -eu
for m in /sys $(awk '"'"'$3 == "cgroup" || $3 == "cgroup2" {print $2}'"'"' /proc/self/mounts); do
  mount -o remount,rw "$m" 2>/dev/null || mount -o remount,bind,rw "$m"
done
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends python3 ca-certificates >/dev/null
cp /tmp/machine/ca/*.crt /usr/local/share/ca-certificates/ 2>/dev/null || true
update-ca-certificates >/dev/null
install -m 0755 /tmp/machine/node /usr/local/bin/node
mkdir -p /usr/local/lib/node_modules/npm
tar -xzf /tmp/machine/npm.tgz -C /usr/local/lib/node_modules/npm --strip-components=1 --no-same-owner
ln -sf ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
ln -sf ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
# A fresh machine has read no package lists yet.
apt-get clean
rm -rf /tmp/machine /var/lib/apt/lists/*
echo "node $(node --version), npm $(npm --version), $(python3 --version)"'

start_machine() {
  local options=()
  mapfile -t options < <(privilege_options)
  if [ "${options[0]}" != --privileged ]; then
    note "this engine cannot start privileged containers; using: ${options[*]}"
  fi
  docker volume create --label "$LABEL=$RUN_ID" "$NAME-docker" >/dev/null
  CONTAINER="$NAME"
  docker run -d --name "$CONTAINER" --label "$LABEL=$RUN_ID" --hostname fresh-debian --init \
    -v "$NAME-docker:/var/lib/docker" "${options[@]}" "$BASE_IMAGE" sleep infinity >/dev/null
  tar -C "$WORK" -c node | docker exec -i "$CONTAINER" sh -c 'mkdir -p /tmp/machine && tar -C /tmp/machine --strip-components=1 -x'
  say "preparing the fresh system (python3, Node.js, npm, CA certificates)"
  docker exec "$CONTAINER" bash -c "$PROVISION" >"$LOG_DIR/provision.log" 2>&1 ||
    die "preparing the fresh system failed; see $LOG_DIR/provision.log"
  note "$(tail -n 1 "$LOG_DIR/provision.log")"
  tar -C "$WORK" -c cloudtik | docker exec -i "$CONTAINER" tar -C "$(dirname "$PROJECT")" -x
}

# --- The commands ---

STEP_CMDS=()
STEP_CODES=()
STEP_SECS=()
# Runs one command in the clone as a login would, its output into the log (and to stderr unless --quiet).
run_step() {
  local cmd="$1" log="$LOG_DIR/step-$((${#STEP_CMDS[@]} + 1)).log" start code
  say "\$ $cmd   (on the fresh system)"
  start="$(date +%s)"
  set +o errexit
  if [ "$QUIET" = 1 ]; then
    docker exec -w "$PROJECT" -e HOME=/root "${NET_ENV[@]}" "$CONTAINER" bash -c "$cmd" >"$log" 2>&1
    code=$?
  else
    docker exec -w "$PROJECT" -e HOME=/root "${NET_ENV[@]}" "$CONTAINER" bash -c "$cmd" 2>&1 | tee "$log" >&2
    code=${PIPESTATUS[0]}
  fi
  set -o errexit
  STEP_CMDS+=("$cmd")
  STEP_CODES+=("$code")
  STEP_SECS+=("$(($(date +%s) - start))")
}

# The demo leaves its cluster running; stop it as the demo says before the tests, unless asked not to.
stop_demo_cluster() {
  say "stopping the demo's cluster before the tests (--keep-demo-cluster keeps it)"
  docker exec -w "$PROJECT" "$CONTAINER" node bin/cloudtik.js stop examples/virtual/example.yaml -y \
    >"$LOG_DIR/stop-demo.log" 2>&1 || warn "stopping the demo's cluster failed; see $LOG_DIR/stop-demo.log"
}

# "N passed, N failed, N skipped" and the failed tests, from the vitest JSON report npm test wrote.
test_counts() {
  docker exec "$CONTAINER" cat "$PROJECT/.test-output/results.json" >"$LOG_DIR/results.json" 2>/dev/null || {
    rm -f "$LOG_DIR/results.json"
    return 0
  }
  node -e '
    const r = require(process.argv[1]);
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + (r.numTodoTests ?? 0)} skipped`);
    for (const f of r.testResults)
      for (const t of f.assertionResults)
        if (t.status === "failed") console.log(`  failed: ${require("path").basename(f.name)} > ${t.fullName}`);
  ' "$LOG_DIR/results.json"
}

duration() { printf '%dm%02ds' "$(($1 / 60))" "$(($1 % 60))"; }

report() {
  local i counts
  counts="$(test_counts)"
  echo "Fresh Debian 12 system, commit ${COMMIT:0:12}; logs in $LOG_DIR"
  for i in "${!STEP_CMDS[@]}"; do
    printf '  exit %-3s %7s  %s\n' "${STEP_CODES[$i]}" "$(duration "${STEP_SECS[$i]}")" "${STEP_CMDS[$i]}"
  done
  [ -z "$counts" ] || printf '  npm test: %s\n' "$counts"
  for i in "${!STEP_CMDS[@]}"; do
    echo "--- last 20 lines of: ${STEP_CMDS[$i]}"
    tail -n 20 "$LOG_DIR/step-$((i + 1)).log" | sed 's/\x1b\[[0-9;]*m//g'
  done
}

node_packages
host_certificates
project_clone
if ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  say "building $BASE_IMAGE, the fresh system's base"
  (cd "$CLOUDTIK_ROOT" && build_package && node bin/cloudtik.js image build --image cloudtik/debian) >&2
fi
start_machine
for i in "${!COMMANDS[@]}"; do
  if [ "$CUSTOM" = 0 ] && [ "$KEEP_DEMO" = 0 ] && [ "$i" = 1 ]; then stop_demo_cluster; fi
  run_step "${COMMANDS[$i]}"
done
report
for code in "${STEP_CODES[@]}"; do [ "$code" = 0 ] || exit 1; done
