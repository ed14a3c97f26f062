# shellcheck shell=bash
# The files dev/k8s.sh writes before it starts the cluster: certificates, kubeconfigs and the
# configuration of containerd, CNI, the kubelet, kube-proxy and CoreDNS. Sourced by dev/k8s.sh,
# which defines the names used here (STATE, BIN, NODE_NAME, the addresses and ports).

# A key (EC P-256: quick to make) and a certificate signed by the cluster CA:
#   make_cert NAME SUBJECT [SANS]   with SANS, a server+client certificate; without, a client one.
make_cert() {
  local name="$1" subject="$2" sans="${3:-}" pki="$STATE/pki"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/$name.key" 2>/dev/null
  openssl req -new -key "$pki/$name.key" -subj "$subject" -out "$pki/$name.csr" 2>/dev/null
  if [ -n "$sans" ]; then
    printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$sans" >"$pki/$name.ext"
  else
    printf 'extendedKeyUsage=clientAuth\n' >"$pki/$name.ext"
  fi
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 365 -extfile "$pki/$name.ext" -out "$pki/$name.crt" 2>/dev/null
  rm -f "$pki/$name.csr" "$pki/$name.ext"
}

write_pki() {
  local pki="$STATE/pki"
  mkdir -p "$pki" && chmod 700 "$pki"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$pki/ca.key" -subj "/CN=cloudtik-k8s-ca" -days 365 -out "$pki/ca.crt" 2>/dev/null
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/sa.key" 2>/dev/null
  openssl pkey -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
  make_cert apiserver "/CN=kube-apiserver" \
    "IP:127.0.0.1,IP:$API_SERVICE_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  make_cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"
  make_cert admin "/O=system:masters/CN=cloudtik-k8s-admin"
  make_cert controller-manager "/CN=system:kube-controller-manager"
  make_cert scheduler "/CN=system:kube-scheduler"
  make_cert kube-proxy "/CN=system:kube-proxy"
  make_cert coredns "/CN=cloudtik:coredns"
  make_cert kubelet "/O=system:nodes/CN=system:node:$NODE_NAME" "IP:127.0.0.1,DNS:$NODE_NAME,DNS:localhost"
}

# A kubeconfig for one of the certificates above: write_kubeconfig USER
write_kubeconfig() {
  cat >"$STATE/$1.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: cloudtik-k8s
    cluster: {certificate-authority: "$STATE/pki/ca.crt", server: "https://127.0.0.1:$API_PORT"}
users:
  - name: $1
    user: {client-certificate: "$STATE/pki/$1.crt", client-key: "$STATE/pki/$1.key"}
contexts:
  - name: cloudtik-k8s
    context: {cluster: cloudtik-k8s, user: $1}
current-context: cloudtik-k8s
EOF
  chmod 600 "$STATE/$1.kubeconfig"
}

write_containerd_config() {
  mkdir -p "$STATE/containerd"
  cat >"$STATE/containerd/config.toml" <<EOF
version = 2
root = "$IMAGE_STORE"
state = "$RUN_DIR/containerd"
[grpc]
  address = "$CTR_SOCK"
[ttrpc]
  address = "$CTR_SOCK.ttrpc"
[debug]
  address = "$RUN_DIR/containerd/debug.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$STATE/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  stream_server_address = "127.0.0.1"
  # This machine does not grant CAP_SYS_RESOURCE: without this, runc fails to start the sandbox
  # (it asks for oom_score_adj -998) with "can't get final child's PID from pipe".
  restrict_oom_score_adj = true
  # Pod network namespaces under the state folder above, where dev/k8s.sh down finds them after a crash.
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN_DIR"
    conf_dir = "$STATE/cni"
EOF
}

# The pod network: a bridge with the gateway address, hairpin so a pod reaches itself through a
# Service; the firewall plugin lets pod traffic past the Docker engine's FORWARD DROP policy.
write_cni_config() {
  mkdir -p "$STATE/cni"
  cat >"$STATE/cni/10-$CNI_NETWORK.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "$CNI_NETWORK",
  "plugins": [
    {
      "type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": true, "hairpinMode": true,
      "ipam": {
        "type": "host-local", "dataDir": "$STATE/cni-ipam",
        "ranges": [[{"subnet": "$POD_CIDR", "gateway": "$GATEWAY"}]], "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "firewall"}
  ]
}
EOF
}

write_kubelet_config() {
  cat >"$STATE/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
healthzBindAddress: 127.0.0.1
readOnlyPort: 0
authentication: {anonymous: {enabled: false}, webhook: {enabled: true}, x509: {clientCAFile: "$STATE/pki/ca.crt"}}
authorization: {mode: Webhook}
tlsCertFile: "$STATE/pki/kubelet.crt"
tlsPrivateKeyFile: "$STATE/pki/kubelet.key"
containerRuntimeEndpoint: "unix://$CTR_SOCK"
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
clusterDomain: cluster.local
clusterDNS: ["$GATEWAY"]
podLogsDir: "$STATE/pod-logs"
# Images come only from load-images (there is no registry): never garbage-collect them, and do not
# evict pods on a full-ish disk of a development machine.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {"memory.available": "100Mi", "nodefs.available": "1%", "imagefs.available": "1%"}
EOF
}

write_kube_proxy_config() {
  cat >"$STATE/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:$KUBE_PROXY_HEALTH_PORT
metricsBindAddress: 127.0.0.1:$KUBE_PROXY_METRICS_PORT
clusterCIDR: "$POD_CIDR"
hostnameOverride: "$NODE_NAME"
clientConnection: {kubeconfig: "$STATE/kube-proxy.kubeconfig"}
# Leave the host's conntrack table size alone.
conntrack: {maxPerCore: 0}
# NodePorts only on the bridge gateway (reachable from this host and the pods), never on loopback
# (that would need route_localnet) or the host's outside addresses.
nodePortAddresses: ["$GATEWAY/32"]
iptables: {localhostNodePorts: false}
EOF
}

# CoreDNS answers on the bridge gateway only; its readiness endpoint is on loopback.
write_corefile() {
  cat >"$STATE/Corefile" <<EOF
.:53 {
    bind $GATEWAY
    errors
    ready 127.0.0.1:$COREDNS_READY_PORT
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig "$STATE/coredns.kubeconfig" cloudtik-k8s
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    forward . /etc/resolv.conf
    cache 30
}
EOF
}

# Objects made once the API server answers: what CoreDNS's kubernetes plugin may read, and the
# default StorageClass (the controller manager's host-path provisioner: a folder under
# /tmp/hostpath_pv per claim, for one-node development clusters only).
cluster_objects() {
  cat <<'EOF'
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: kubernetes.io/host-path
reclaimPolicy: Delete
volumeBindingMode: Immediate
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "cloudtik:coredns"}
rules:
  - apiGroups: [""]
    resources: [services, pods, namespaces]
    verbs: [list, watch]
  - apiGroups: [discovery.k8s.io]
    resources: [endpointslices]
    verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "cloudtik:coredns"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "cloudtik:coredns"}
subjects:
  - {apiGroup: rbac.authorization.k8s.io, kind: User, name: "cloudtik:coredns"}
EOF
}

write_cluster_files() {
  rm -rf "$STATE"
  mkdir -p "$STATE" && chmod 700 "$STATE"
  write_pki
  local user
  for user in admin controller-manager scheduler kubelet kube-proxy coredns; do write_kubeconfig "$user"; done
  write_containerd_config
  write_cni_config
  write_kubelet_config
  write_kube_proxy_config
  write_corefile
}
