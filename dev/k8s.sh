#!/usr/bin/env bash
# A real one-node Kubernetes on this machine, for development and the tests of the kubernetes provider.
#
# What runs (all as host processes, started and stopped by this script, their PIDs recorded):
#   etcd (Debian's), containerd (Debian's, its own instance: own config, socket and root; never the
#   Docker engine's), kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy
#   (iptables mode, so ClusterIP Services route) and CoreDNS.
# Kubernetes is built from the Go module proxy: a wrapper module requires k8s.io/kubernetes and
# replaces each of its ./staging modules with the published k8s.io/<name> v0.<minor>.<patch>; the
# version is stamped in with -ldflags (clients refuse a server without one).
#
# Cluster DNS: CoreDNS, built from the Go module proxy, runs as a host process bound to the pod
# bridge's gateway address (the kubelet's clusterDNS), with its kubernetes plugin reading the API
# server through a kubeconfig. A host process needs no image (there is no registry here), no
# Service or RBAC bootstrap beyond one binding, and it is up before the first pod; the gateway
# address is reachable from this host and its pods only.
#
# Pod network: the CNI bridge plugin on a bridge this script creates, plus the CNI firewall plugin
# (the Docker engine sets the FORWARD policy to DROP). Images come from the local Docker engine
# (`load-images`); there is no registry, so pods use imagePullPolicy: Never. The sandbox ("pause")
# image is a tiny static Go program packed here as an OCI archive.
#
# Listeners are on loopback, except CoreDNS on the bridge gateway (pods must reach it); NodePort
# Services, if any, also answer on the gateway only. Pods reach the API server through the
# kubernetes Service's address (a DNAT to loopback for traffic from the pod bridge).
# Binaries and state live in a cache folder outside the checkout (see `env`), so a fresh clone
# reuses the build; the build is keyed on the versions and on this script's build steps.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=lib/k8s-config.sh
. "$(dirname "$0")/lib/k8s-config.sh"

K8S_VERSION=1.37.2
COREDNS_VERSION=1.15.0
K8S_CACHE="${CLOUDTIK_K8S_CACHE:-$CLOUDTIK_CACHE/k8s-$K8S_VERSION}"
BIN="$K8S_CACHE/bin"
STATE="$K8S_CACHE/state"
# containerd's root: the images load-images imported stay there across down and up.
IMAGE_STORE="$K8S_CACHE/containerd"
RUN_DIR=/run/cloudtik-k8s
CTR_SOCK="$RUN_DIR/containerd/containerd.sock"
KUBECONFIG_ADMIN="$STATE/admin.kubeconfig"
# The pod network (a /24 on one bridge) and the Service range; chosen clear of Docker's 172.16/12.
BRIDGE=cloudtik-k8s0
POD_CIDR=10.244.0.0/24
GATEWAY=10.244.0.1
SERVICE_CIDR=10.96.0.0/16
API_SERVICE_IP=10.96.0.1
API_PORT=6443
CNI_NETWORK=cloudtik-k8s
# Where the controller manager's host-path provisioner puts claims' folders (fixed in Kubernetes).
HOSTPATH_PV_DIR=/tmp/hostpath_pv
# The nat chain that takes pods to the API server.
API_CHAIN=CLOUDTIK-K8S-API
PAUSE_IMAGE=docker.io/cloudtik/k8s-pause:1
CNI_BIN_DIR=/usr/lib/cni
# Loopback ports, clear of the defaults of a system etcd (2379/2380) and CoreDNS (8181).
ETCD_PORT=12379
ETCD_PEER_PORT=12380
KUBE_PROXY_HEALTH_PORT=10256
KUBE_PROXY_METRICS_PORT=10249
COREDNS_READY_PORT=18181
# The label load-images puts on an image it imported: the Docker image ID it came from.
IMAGE_ID_LABEL=cloudtik.image-id
K8S_COMPONENTS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl kube-proxy)
DEB_PACKAGES=(etcd-server containerd runc containernetworking-plugins iptables openssl)

usage() {
  cat <<EOF
usage: dev/k8s.sh [--quiet] COMMAND [ARGS]

A one-node Kubernetes $K8S_VERSION for development and tests (all but build and env need root;
see the header of this script for what runs). Every command is safe to run again.

commands:
  deps               install the Debian packages it needs, when missing: ${DEB_PACKAGES[*]}
  build              build kube-apiserver, kube-controller-manager, kube-scheduler, kubelet,
                     kubectl, kube-proxy ($K8S_VERSION), CoreDNS $COREDNS_VERSION and the pause image
                     from the Go module proxy (cached: nothing is rebuilt when the versions and the
                     build steps did not change)
  up                 start the cluster (deps and build first when needed); returns when the node is Ready
  down               stop it and remove everything it made: processes, mounts, the bridge, iptables
                     chains and rules, cgroups, CNI state, cluster data, the claims' folders in
                     /tmp/hostpath_pv (the build and the loaded images stay in the cache folder)
  status             what runs, and the node's state; exit code 1 when the cluster is not up
  env                print the export line for kubectl: eval "\$(dev/k8s.sh env)"
  load-images [IMG]  import node images (default: every local cloudtik/*:<package version>) from the
                     Docker engine into the cluster; an image already there with the same ID is skipped

  --quiet            print only errors (and the results of env/status)

folders: $K8S_CACHE (binaries in bin/, loaded images in containerd/, cluster state in state/;
         CLOUDTIK_K8S_CACHE moves it), $RUN_DIR (sockets, PIDs)
EOF
}

# ---------------------------------------------------------------------------------------- build

# The wrapper module that builds the Kubernetes commands from the published modules.
write_k8s_module() {
  local dir="$1" mod minor
  mod="$(go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/v$K8S_VERSION.mod"
  minor="v0.${K8S_VERSION#*.}"
  {
    printf 'module cloudtik.dev/k8s-dev\n\ngo 1.26.0\n\nrequire k8s.io/kubernetes v%s\n\nreplace (\n' "$K8S_VERSION"
    awk -v v="$minor" '$2 == "=>" && $3 ~ /^\.\/staging\// { print "\t" $1 " => " $1 " " v }' "$mod"
    printf ')\n'
  } >"$dir/go.mod"
  {
    printf '//go:build tools\n\n// Package tools names the commands this module builds.\npackage tools\n\nimport (\n'
    printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "${K8S_COMPONENTS[@]}"
    printf ')\n'
  } >"$dir/tools.go"
}

# -X flags that stamp the version into the client and server version packages.
k8s_ldflags() {
  local flags="-s -w" pkg major="${K8S_VERSION%%.*}" minor
  minor="$(cut -d. -f2 <<<"$K8S_VERSION")"
  for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    flags+=" -X $pkg.gitVersion=v$K8S_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  printf '%s' "$flags"
}

# Runs `go ARGS` in DIR, static (no cgo). Its output goes to stderr, or with --quiet to
# logs/build.log (whose end is shown when it fails).
go_in() {
  local dir="$1" log="$LOG_DIR/build.log"
  shift
  if [ "$QUIET" != 1 ]; then
    (cd "$dir" && CGO_ENABLED=0 go "$@") >&2
    return
  fi
  mkdir -p "$LOG_DIR"
  (cd "$dir" && CGO_ENABLED=0 go "$@") >>"$log" 2>&1 || {
    tail -n 20 "$log" >&2
    die "go $1 failed in $dir (log: $log)"
  }
}

build_kubernetes() {
  local dir="$K8S_CACHE/src/kubernetes" pkgs=() c
  mkdir -p "$dir"
  say "downloading k8s.io/kubernetes v$K8S_VERSION"
  go_in "$dir" mod download "k8s.io/kubernetes@v$K8S_VERSION"
  write_k8s_module "$dir"
  go_in "$dir" mod tidy
  for c in "${K8S_COMPONENTS[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
  say "building ${K8S_COMPONENTS[*]} (a cold build takes minutes)"
  go_in "$dir" build -trimpath -ldflags "$(k8s_ldflags)" -o "$BIN/" "${pkgs[@]}"
}

build_coredns() {
  local dir="$K8S_CACHE/src/coredns"
  mkdir -p "$dir"
  printf 'module cloudtik.dev/k8s-dns\n\ngo 1.26.0\n\nrequire github.com/coredns/coredns v%s\n' "$COREDNS_VERSION" >"$dir/go.mod"
  printf '//go:build tools\n\n// Package tools names the command this module builds.\npackage tools\n\nimport _ "github.com/coredns/coredns"\n' >"$dir/tools.go"
  say "building CoreDNS v$COREDNS_VERSION"
  go_in "$dir" mod tidy
  go_in "$dir" build -trimpath -ldflags "-s -w" -o "$BIN/coredns" github.com/coredns/coredns
}

# The sandbox image: a static program that waits for SIGTERM, as an OCI archive for `ctr import`.
build_pause() {
  local dir="$K8S_CACHE/src/pause" oci
  oci="$dir/oci"
  rm -rf "$dir" && mkdir -p "$dir/root" "$oci/blobs/sha256"
  cat >"$dir/main.go" <<'EOF'
// Command pause holds a pod's namespaces until it is told to stop.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
}
EOF
  printf 'module cloudtik.dev/k8s-pause\n\ngo 1.26.0\n' >"$dir/go.mod"
  go_in "$dir" build -trimpath -ldflags "-s -w" -o root/pause .
  tar -C "$dir/root" --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$dir/layer.tar" pause
  local layer config manifest
  layer="$(oci_blob "$oci" "$dir/layer.tar")"
  printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/pause"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$layer" >"$dir/config.json"
  config="$(oci_blob "$oci" "$dir/config.json")"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%d}]}' \
    "$config" "$(stat -c %s "$dir/config.json")" "$layer" "$(stat -c %s "$dir/layer.tar")" >"$dir/manifest.json"
  manifest="$(oci_blob "$oci" "$dir/manifest.json")"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"1"}}]}' \
    "$manifest" "$(stat -c %s "$dir/manifest.json")" "$PAUSE_IMAGE" >"$oci/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$oci/oci-layout"
  tar -C "$oci" --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$BIN/pause.oci.tar" oci-layout index.json blobs
}

# Copies FILE into an OCI layout's blobs and prints its sha256.
oci_blob() {
  local sum
  sum="$(sha256_of "$2")"
  cp "$2" "$1/blobs/sha256/$sum"
  printf '%s' "$sum"
}

# The build key: the versions, the Go version and the text of the build steps themselves.
build_key() {
  {
    printf '%s\n' "$K8S_VERSION" "$COREDNS_VERSION" "$PAUSE_IMAGE" "${K8S_COMPONENTS[@]}"
    go version
    declare -f go_in write_k8s_module k8s_ldflags build_kubernetes build_coredns build_pause oci_blob
  } | sha256sum | cut -d' ' -f1
}

built() {
  local c
  for c in "${K8S_COMPONENTS[@]}" coredns pause.oci.tar; do [ -s "$BIN/$c" ] || return 1; done
  [ "$(cat "$K8S_CACHE/build.key" 2>/dev/null)" = "$(build_key)" ]
}

cmd_build() {
  need_cmd go "Go 1.26 or newer: https://go.dev/dl/"
  if built; then
    note "Kubernetes $K8S_VERSION is built ($BIN)"
    return 0
  fi
  [ "$(running_count)" = 0 ] || die "the cluster is running: stop it (dev/k8s.sh down) before its programs are rebuilt"
  rm -f "$K8S_CACHE/build.key"
  mkdir -p "$BIN" "$LOG_DIR"
  : >"$LOG_DIR/build.log"
  build_kubernetes
  build_coredns
  build_pause
  build_key >"$K8S_CACHE/build.key"
  say "built into $BIN"
}

# ----------------------------------------------------------------------------------- processes

PID_DIR="$RUN_DIR/pids"
LOG_DIR="$K8S_CACHE/logs"
# Started in this order, stopped in the reverse one.
COMPONENTS=(etcd containerd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy coredns)

# The program a component runs (what its recorded PID must still be running).
component_program() {
  case "$1" in
    etcd | containerd) command -v "$1" ;;
    *) echo "$BIN/$1" ;;
  esac
}

# Starts a component in its own session, its output in LOG_DIR and its PID in PID_DIR.
start_component() {
  local name="$1"
  shift
  mkdir -p "$PID_DIR" "$LOG_DIR"
  note "starting $name"
  # shellcheck disable=SC2016 # expanded by the inner shell
  setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$PID_DIR/$name.pid" "$@" \
    >"$LOG_DIR/$name.log" 2>&1 </dev/null &
  # Until the recorded PID runs the program (not yet the shell that records it).
  wait_for 10 "$name to start" component_runs "$name"
  STARTED+=("$name")
}

component_runs() { [ -n "$(component_pid "$1")" ]; }

# The PID recorded for a component when that process still runs its program; nothing otherwise.
component_pid() {
  local pid exe
  pid="$(cat "$PID_DIR/$1.pid" 2>/dev/null)" || return 0
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null)" || return 0
  # A program replaced on disk (a rebuild) shows as "<path> (deleted)".
  [ "${exe% (deleted)}" = "$(readlink -f "$(component_program "$1")")" ] && echo "$pid"
  return 0
}

# Ends a component by its recorded PID: TERM, then KILL after 10 s.
stop_component() {
  local pid
  pid="$(component_pid "$1")"
  if [ -n "$pid" ]; then
    note "stopping $1 (pid $pid)"
    kill "$pid" 2>/dev/null || true
    wait_for 10 "" proc_gone "$pid" || kill -9 "$pid" 2>/dev/null || true
    wait_for 5 "$1 (pid $pid) to end" proc_gone "$pid"
  fi
  rm -f "$PID_DIR/$1.pid"
}

# Gone, or a zombie waiting for init to reap it.
# shellcheck disable=SC2317 # called through wait_for
proc_gone() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
  [ "$(cut -d' ' -f1 <<<"${stat##*) }")" = Z ]
}

# Components `up` started so far: a wait ends early when one of them exits.
STARTED=()

# Dies when a component `up` started has exited, with the end of its log.
check_started() {
  local c
  for c in "${STARTED[@]}"; do
    component_runs "$c" || die "$c exited; the end of $LOG_DIR/$c.log:
$(tail -n 5 "$LOG_DIR/$c.log" 2>/dev/null)"
  done
}

# Polls COMMAND every 0.25 s until it succeeds or SECONDS pass:  wait_for SECONDS WHAT COMMAND...
# With an empty WHAT it just returns 1 on time-out, else it dies naming WHAT and the logs.
wait_for() {
  local seconds="$1" what="$2" deadline
  shift 2
  deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    check_started
    if [ "$SECONDS" -ge "$deadline" ]; then
      [ -z "$what" ] && return 1
      die "timed out after ${seconds}s waiting for $what (logs: $LOG_DIR)"
    fi
    sleep 0.25
  done
}

kctl() { "$BIN/kubectl" --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }
ctr_k8s() { ctr --address "$CTR_SOCK" --namespace k8s.io "$@"; }

# The node's name: this host's name when it resolves to loopback (the API server reaches the
# kubelet, which listens on loopback only, by that name), else localhost.
node_name() {
  local host
  host="$(hostname)"
  if getent ahostsv4 "$host" 2>/dev/null | awk '{print $1}' | grep -q '^127\.'; then echo "$host"; else echo localhost; fi
}

# ----------------------------------------------------------------------------------------- up

start_etcd() {
  start_component etcd etcd --name cloudtik-k8s --data-dir "$STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "cloudtik-k8s=http://127.0.0.1:$ETCD_PEER_PORT"
  wait_for 30 "etcd" curl -fsS "http://127.0.0.1:$ETCD_PORT/health"
}

start_containerd() {
  mkdir -p "$RUN_DIR/containerd"
  start_component containerd containerd --config "$STATE/containerd/config.toml"
  wait_for 30 "containerd" ctr --address "$CTR_SOCK" version
  ctr_k8s images import "$BIN/pause.oci.tar" >/dev/null
}

start_apiserver() {
  local pki="$STATE/pki"
  start_component kube-apiserver "$BIN/kube-apiserver" --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$API_PORT" \
    --endpoint-reconciler-type=none \
    --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" --client-ca-file="$pki/ca.crt" \
    --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range="$SERVICE_CIDR" --authorization-mode=Node,RBAC --allow-privileged=true \
    --enable-admission-plugins=NodeRestriction \
    --kubelet-client-certificate="$pki/apiserver-kubelet-client.crt" --kubelet-client-key="$pki/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority="$pki/ca.crt" --kubelet-preferred-address-types=Hostname,InternalIP
  wait_for 90 "kube-apiserver" kctl get --raw /readyz
}

start_controllers() {
  local pki="$STATE/pki" cm="$STATE/controller-manager.kubeconfig" sched="$STATE/scheduler.kubeconfig"
  start_component kube-controller-manager "$BIN/kube-controller-manager" --kubeconfig="$cm" \
    --authentication-kubeconfig="$cm" --authorization-kubeconfig="$cm" --bind-address=127.0.0.1 \
    --leader-elect=false --use-service-account-credentials=true --enable-hostpath-provisioner \
    --service-account-private-key-file="$pki/sa.key" --root-ca-file="$pki/ca.crt" \
    --cluster-signing-cert-file="$pki/ca.crt" --cluster-signing-key-file="$pki/ca.key" \
    --service-cluster-ip-range="$SERVICE_CIDR"
  start_component kube-scheduler "$BIN/kube-scheduler" --kubeconfig="$sched" \
    --authentication-kubeconfig="$sched" --authorization-kubeconfig="$sched" --bind-address=127.0.0.1 --leader-elect=false
}

start_node() {
  mkdir -p "$STATE/kubelet"
  start_component kubelet "$BIN/kubelet" --config="$STATE/kubelet.yaml" --kubeconfig="$STATE/kubelet.kubeconfig" \
    --hostname-override="$NODE_NAME" --root-dir="$STATE/kubelet"
  start_component kube-proxy "$BIN/kube-proxy" --config="$STATE/kube-proxy.yaml"
  cluster_objects | kctl apply -f - >/dev/null
  start_component coredns "$BIN/coredns" -conf "$STATE/Corefile"
}

# The pod bridge, made here (not by the first pod) so CoreDNS can bind its gateway address first.
make_bridge() {
  ip link show "$BRIDGE" >/dev/null 2>&1 || ip link add "$BRIDGE" type bridge
  ip addr show dev "$BRIDGE" | grep -q "inet $GATEWAY/" || ip addr add "$GATEWAY/${POD_CIDR#*/}" dev "$BRIDGE"
  ip link set "$BRIDGE" up
}

# Pods reach the API server (on loopback) at the kubernetes Service's address, as in-cluster clients
# do: a DNAT for traffic from the bridge, which may then go to 127.0.0.1 (route_localnet, set on
# this bridge only, goes with it). The Service has no endpoints (the API server advertises loopback),
# so kube-proxy leaves this address alone.
route_api_from_pods() {
  sysctl -qw "net.ipv4.conf.$BRIDGE.route_localnet=1"
  iptables -w -t nat -N "$API_CHAIN" 2>/dev/null || iptables -w -t nat -F "$API_CHAIN"
  iptables -w -t nat -A "$API_CHAIN" -d "$API_SERVICE_IP/32" -p tcp --dport 443 \
    -j DNAT --to-destination "127.0.0.1:$API_PORT"
  iptables -w -t nat -C PREROUTING -i "$BRIDGE" -j "$API_CHAIN" 2>/dev/null ||
    iptables -w -t nat -A PREROUTING -i "$BRIDGE" -j "$API_CHAIN"
}

# Kernel settings pod networking needs; the ones changed here are put back by `down`.
set_sysctls() {
  local key was
  modprobe br_netfilter 2>/dev/null || true
  for key in net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables; do
    was="$(sysctl -n "$key" 2>/dev/null)" || die "the kernel lacks $key (pod networking needs it)"
    if [ "$was" != 1 ]; then
      echo "$key=$was" >>"$RUN_DIR/sysctls"
      sysctl -qw "$key=1"
    fi
  done
}

running_count() {
  local n=0 c
  for c in "${COMPONENTS[@]}"; do [ -z "$(component_pid "$c")" ] || n=$((n + 1)); done
  echo "$n"
}

node_ready() {
  [ "$(kctl get node "$NODE_NAME" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}

cmd_up() {
  need_root
  local running
  running="$(running_count)"
  if [ "$running" = "${#COMPONENTS[@]}" ] && node_ready; then
    note "the cluster is up (node $NODE_NAME Ready)"
    return 0
  fi
  if [ "$running" != 0 ]; then
    warn "a partly running cluster was found: removing it first"
    cmd_down
  fi
  cmd_deps
  cmd_build
  local started=$SECONDS
  trap up_failed EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  say "starting Kubernetes $K8S_VERSION (node $NODE_NAME)"
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  write_cluster_files
  set_sysctls
  make_bridge
  route_api_from_pods
  start_etcd
  start_containerd
  start_apiserver
  start_controllers
  start_node
  wait_for 120 "node $NODE_NAME to be Ready" node_ready
  note "node $NODE_NAME Ready after $((SECONDS - started))s"
  wait_for 60 "CoreDNS to be ready" curl -fsS "http://127.0.0.1:$COREDNS_READY_PORT/ready"
  # Pods are admitted only once their namespace's service account exists.
  wait_for 60 "the default service account" kctl -n default get serviceaccount default
  trap - EXIT INT TERM
  say "up in $((SECONDS - started))s; kubectl: eval \"\$(dev/k8s.sh env)\""
}

# A failed `up` leaves nothing started behind (its logs stay).
# shellcheck disable=SC2317 # called through trap
up_failed() {
  local code=$?
  [ "$code" = 0 ] && return 0
  trap - EXIT
  STARTED=()
  warn "up failed: removing what it started (logs: $LOG_DIR)"
  (QUIET=1 cmd_down) || true
  exit "$code"
}

# --------------------------------------------------------------------------------------- down

# Pods deleted through the API while the kubelet still runs: it tears down their networks (CNI DEL).
delete_pods() {
  [ -n "$(component_pid kube-apiserver)" ] && [ -n "$(component_pid kubelet)" ] || return 0
  stop_component kube-controller-manager
  stop_component kube-scheduler
  note "deleting pods"
  kctl delete pods --all --all-namespaces --grace-period=1 --wait=true --timeout=60s >/dev/null 2>&1 ||
    warn "pods did not all go within 60s; removing their containers directly"
}

# Whatever containers are left in this containerd: killed, then removed.
remove_containers() {
  [ -n "$(component_pid containerd)" ] || return 0
  local id
  for id in $(ctr_k8s tasks ls -q 2>/dev/null); do ctr_k8s tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true; done
  for id in $(ctr_k8s tasks ls -q 2>/dev/null); do ctr_k8s tasks delete -f "$id" >/dev/null 2>&1 || true; done
  for id in $(ctr_k8s containers ls -q 2>/dev/null); do ctr_k8s containers delete "$id" >/dev/null 2>&1 || true; done
}

# Shims of this containerd (found by the socket in their command line) that outlived it.
kill_shims() {
  local dir pid
  for dir in /proc/[0-9]*; do
    pid="${dir#/proc/}"
    case "$(readlink "$dir/exe" 2>/dev/null)" in */containerd-shim*) ;; *) continue ;; esac
    if tr '\0' ' ' <"$dir/cmdline" 2>/dev/null | grep -qF -- "$CTR_SOCK"; then kill -9 "$pid" 2>/dev/null || true; fi
  done
}

# Processes still in the kubelet's pod cgroups (containers whose shim was killed), then the cgroups.
remove_pod_cgroups() {
  local top pids
  for top in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
    [ -d "$top" ] || continue
    pids="$(find "$top" -name cgroup.procs -exec cat {} + 2>/dev/null)" || true
    # shellcheck disable=SC2086 # a list of PIDs
    [ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
    find "$top" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
}

# Mounts under this cluster's folders (pods' network namespaces, rootfs, volumes).
remove_mounts() {
  awk -v a="$K8S_CACHE/" -v b="$RUN_DIR/" 'index($2, a) == 1 || index($2, b) == 1 { print $2 }' /proc/mounts |
    sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
}

# CNI state of this network: cached results (and their loopback twins).
remove_cni_state() {
  local f id
  for f in /var/lib/cni/results/"$CNI_NETWORK"-*; do
    [ -e "$f" ] || continue
    id="${f#/var/lib/cni/results/"$CNI_NETWORK"-}"
    id="${id%-eth0}"
    rm -f "$f" "/var/lib/cni/results/cni-loopback-$id-lo"
  done
}

cmd_down() {
  need_root
  say "stopping the cluster"
  delete_pods
  local c i
  for ((i = ${#COMPONENTS[@]} - 1; i >= 2; i--)); do stop_component "${COMPONENTS[$i]}"; done
  remove_containers
  stop_component containerd
  stop_component etcd
  kill_shims
  remove_pod_cgroups
  remove_mounts
  remove_iptables
  remove_cni_state
  ip link del "$BRIDGE" 2>/dev/null || true
  rm -rf "$HOSTPATH_PV_DIR"
  restore_sysctls
  rm -rf "$STATE" "$RUN_DIR"
  for c in "${COMPONENTS[@]}"; do [ -z "$(component_pid "$c")" ] || die "$c is still running"; done
  say "the cluster is down"
}

restore_sysctls() {
  local line
  [ -f "$RUN_DIR/sysctls" ] || return 0
  while read -r line; do sysctl -qw "$line" || true; done <"$RUN_DIR/sysctls"
}

# ----------------------------------------------------------------------------------- iptables

# Deletes one rule given as a line of `iptables -S` (its quoting is the shell's):  drop_rule IPT TABLE LINE
drop_rule() {
  local ipt="$1" table="$2" line="$3" args
  [[ "$line" =~ ^-A\ [A-Za-z0-9_-]+\  ]] || return 0
  eval "args=(${line#-A })"
  "$ipt" -w -t "$table" -D "${args[@]}" 2>/dev/null || true
}

# Lines of `iptables -S` (of one chain, or of the whole table) that match an extended regex; never fails:
#   rules_matching IPT TABLE CHAIN|"" REGEX
rules_matching() {
  local args=(-w -t "$2" -S)
  [ -z "$3" ] || args+=("$3")
  { "$1" "${args[@]}" 2>/dev/null || true; } | { grep -E -- "$4" || true; }
}

drop_chain() {
  if "$1" -w -t "$2" -F "$3" 2>/dev/null; then "$1" -w -t "$2" -X "$3" 2>/dev/null || true; fi
}

# Chains named KUBE-* (kube-proxy's and the kubelet's) left in any table, with the rules jumping to them.
drop_kube_chains() {
  local ipt="$1" table chains line chain
  for table in filter nat mangle; do
    chains="$("$ipt" -w -t "$table" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^KUBE-/ { print $2 }')" || continue
    [ -n "$chains" ] || continue
    rules_matching "$ipt" "$table" "" '-j KUBE-[A-Z0-9-]+( |$)' | while read -r line; do
      drop_rule "$ipt" "$table" "$line"
    done
    for chain in $chains; do "$ipt" -w -t "$table" -F "$chain" 2>/dev/null || true; done
    for chain in $chains; do "$ipt" -w -t "$table" -X "$chain" 2>/dev/null || true; done
  done
}

# The CNI bridge plugin's masquerade rules and chains for this network (named in their comment).
drop_cni_masquerade() {
  local line
  rules_matching iptables nat POSTROUTING "name: \\\\\"$CNI_NETWORK\\\\\"" | while read -r line; do
    drop_rule iptables nat "$line"
    [[ "$line" =~ -j\ (CNI-[0-9a-f]+)$ ]] && drop_chain iptables nat "${BASH_REMATCH[1]}"
  done
}

# The CNI firewall plugin's rules for this pod network; its chains too once nothing else uses them.
drop_cni_firewall() {
  local prefix="${POD_CIDR%.*}." line
  iptables -w -S CNI-FORWARD >/dev/null 2>&1 || return 0
  rules_matching iptables filter CNI-FORWARD " ${prefix//./\\.}" | while read -r line; do drop_rule iptables filter "$line"; done
  ! iptables -w -S CNI-FORWARD | grep -q -v -e '^-N' -e '-j CNI-ADMIN$' || return 0
  ! iptables -w -S CNI-ADMIN 2>/dev/null | grep -q -v '^-N' || return 0
  rules_matching iptables filter FORWARD '-j CNI-FORWARD$' | while read -r line; do drop_rule iptables filter "$line"; done
  drop_chain iptables filter CNI-FORWARD
  drop_chain iptables filter CNI-ADMIN
}

remove_iptables() {
  if [ -x "$BIN/kube-proxy" ]; then "$BIN/kube-proxy" --cleanup >/dev/null 2>&1 || true; fi
  drop_kube_chains iptables
  command -v ip6tables >/dev/null 2>&1 && drop_kube_chains ip6tables
  drop_cni_masquerade
  drop_cni_firewall
  rules_matching iptables nat PREROUTING "-j $API_CHAIN\$" | while read -r line; do drop_rule iptables nat "$line"; done
  drop_chain iptables nat "$API_CHAIN"
}

# ------------------------------------------------------------------------------------- others

need_root() { [ "$(id -u)" = 0 ] || die "this needs root (run it with sudo)"; }

cmd_deps() {
  apt_install "${DEB_PACKAGES[@]}"
  local plugin
  for plugin in bridge host-local firewall loopback; do
    [ -x "$CNI_BIN_DIR/$plugin" ] || die "the CNI plugin $CNI_BIN_DIR/$plugin is missing (containernetworking-plugins)"
  done
}

cmd_status() {
  need_root
  local c pid down=0
  for c in "${COMPONENTS[@]}"; do
    pid="$(component_pid "$c")"
    if [ -n "$pid" ]; then printf '%-24s running (pid %s)\n' "$c" "$pid"; else printf '%-24s stopped\n' "$c"; down=1; fi
  done
  if [ -n "$(component_pid kube-apiserver)" ]; then kctl get nodes 2>&1 || down=1; fi
  [ "$down" = 0 ] && node_ready
}

cmd_env() {
  printf 'export KUBECONFIG=%q\n' "$KUBECONFIG_ADMIN"
  # shellcheck disable=SC2016 # $PATH is for the shell that evaluates this
  printf 'export PATH=%q:"$PATH"\n' "$BIN"
}

# containerd's name for a Docker image reference (docker.io/ and library/ made explicit).
qualified_ref() {
  local ref="$1" first="${1%%/*}"
  if [ "$first" = "$ref" ]; then ref="library/$ref"; first=""; fi
  case "$first" in *.* | *:* | localhost) echo "$ref" ;; *) echo "docker.io/$ref" ;; esac
}

# The images load-images takes by default: every cloudtik/* image tagged with the package version.
default_images() {
  local version
  version="$(package_version "$CLOUDTIK_ROOT")"
  docker images --format '{{.Repository}}:{{.Tag}}' 'cloudtik/*' | awk -F: -v v="$version" '$NF == v'
}

cmd_load_images() {
  need_root
  [ -n "$(component_pid containerd)" ] || die "the cluster is not up (run dev/k8s.sh up first)"
  local images=("$@") todo=() ids=() img id
  [ "${#images[@]}" -gt 0 ] || mapfile -t images < <(default_images)
  [ "${#images[@]}" -gt 0 ] || die "no cloudtik/*:$(package_version "$CLOUDTIK_ROOT") images here (build them: node bin/cloudtik.js image build)"
  for img in "${images[@]}"; do
    id="$(docker image inspect --format '{{.Id}}' "$img" 2>/dev/null)" || die "no such image in the Docker engine: $img"
    if ctr_k8s images ls "name==$(qualified_ref "$img")" | grep -qF "$IMAGE_ID_LABEL=$id"; then
      note "$img is loaded (image $id)"
    else
      todo+=("$img")
      ids+=("$id")
    fi
  done
  [ "${#todo[@]}" -gt 0 ] || return 0
  say "loading ${todo[*]}"
  # containerd collects the snapshots of images it no longer has while an import unpacks, so a layer
  # it found in place can be gone when the next one is extracted onto it ("parent snapshot ... does
  # not exist"). A second import finds that layer missing and extracts it again.
  local attempt
  for attempt in 1 2; do
    if docker save "${todo[@]}" | ctr_k8s images import - >/dev/null; then break; fi
    [ "$attempt" -eq 1 ] || die "importing ${todo[*]} into containerd failed twice (see above)"
    say "importing again: containerd lost a layer while unpacking"
  done
  local i
  for i in "${!todo[@]}"; do
    ctr_k8s images label "$(qualified_ref "${todo[$i]}")" "$IMAGE_ID_LABEL=${ids[$i]}" >/dev/null
  done
}

main() {
  local cmd=""
  while [ "$#" -gt 0 ]; do
    case "$1" in
      --quiet) QUIET=1 ;;
      -*) help_or_unknown "$1" ;;
      *)
        cmd="$1"
        shift
        break
        ;;
    esac
    shift
  done
  [ -n "$cmd" ] || usage_error "a command is needed"
  case "$cmd" in deps | build | up | down | status | env) [ "$#" -eq 0 ] || usage_error "$cmd takes no arguments" ;; esac
  NODE_NAME="$(node_name)"
  case "$cmd" in
    deps) cmd_deps ;;
    build) cmd_build ;;
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    env) cmd_env ;;
    load-images) cmd_load_images "$@" ;;
    *) usage_error "unknown command: $cmd" ;;
  esac
}

# One line, so a run never reads on into this file after main returns (it may have been edited).
main "$@"; exit
