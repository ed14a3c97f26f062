#!/usr/bin/env bash
# Makes the AOT cache of Trino's server (Java 25's ahead-of-time class loading and linking, with the
# method profiles of the run): starts a coordinator that also runs tasks, on 127.0.0.1 in a scratch
# folder, through Trino's own launcher with the JVM options of the trino runtime's jvm.config
# (src/runtimes/trino/settings.ts: a unit test keeps the two lists the same), runs a few queries on
# the tpch catalog, then stops it with SIGTERM: as it exits, Java writes OUT (about 130 MB, a minute
# or more). Coordinators and workers then start from it (`-XX:AOTCache`, see jvmConfig) with about
# 40% less CPU time (6 s instead of 10 for a coordinator, measured once). The cache is only used
# with the exact JDK, jars and classpath order it was made with, so this runs in the image's last
# stage, on the /opt/trino its nodes run.
#
# Usage: trino-aot-train.sh OUT    (run at image build time, as root)
set -euo pipefail
out="${1:?usage: trino-aot-train.sh OUT}"
home=/opt/trino
work="$(mktemp -d)"
port=18081
pid=
cleanup() {
  [ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/etc/catalog" "$work/data" "$(dirname "$out")"
rm -f "$out"

cat >"$work/etc/config.properties" <<PROPS
coordinator=true
node-scheduler.include-coordinator=true
http-server.http.port=$port
discovery.uri=http://127.0.0.1:$port
query.max-memory=1GB
query.max-memory-per-node=512MB
memory.heap-headroom-per-node=256MB
PROPS
printf 'node.environment=trino\nnode.id=aot-train\nnode.data-dir=%s\n' "$work/data" >"$work/etc/node.properties"
echo 'io.trino=INFO' >"$work/etc/log.properties"
echo 'connector.name=tpch' >"$work/etc/catalog/tpch.properties"
echo 'connector.name=memory' >"$work/etc/catalog/memory.properties"
# The options of src/runtimes/trino/settings.ts's jvmConfig (the heap apart, which the cache does not fix).
cat >"$work/etc/jvm.config" <<'JVM'
-server
-Xmx1024m
-XX:InitialRAMPercentage=5
-XX:+UseG1GC
-XX:G1HeapRegionSize=32M
-XX:+ExplicitGCInvokesConcurrent
-XX:+ExitOnOutOfMemoryError
-XX:-OmitStackTraceInFastThrow
-XX:ReservedCodeCacheSize=256M
-XX:PerMethodRecompilationCutoff=10000
-XX:PerBytecodeRecompilationCutoff=10000
-XX:CompileThresholdScaling=10
-Djdk.attach.allowAttachSelf=true
-Djdk.nio.maxCachedBufferSize=2000000
-Dfile.encoding=UTF-8
-XX:+EnableDynamicAgentLoading
-Djol.skipHotspotSAAttach=true
JVM

# Started as a child of this shell, so `wait` collects it (no init reaps in a build step).
JAVA_HOME="$home/jdk" PATH="$home/jdk/bin:$PATH" "$home/server/bin/launcher" run \
  --etc-dir="$work/etc" --data-dir="$work/data" -J "-XX:AOTCacheOutput=$out" \
  >"$work/server.log" 2>&1 </dev/null &
pid=$!

fail() {
  echo "trino-aot-train: $1; the end of the server's output:" >&2
  tail -n 40 "$work/server.log" >&2
  exit 1
}
# ask SQL: run SQL over Trino's client protocol (POST, then follow nextUri to the end); prints each
# reply on a line, fails when the query does.
ask() {
  local reply next
  reply="$(curl -sf -X POST -H 'X-Trino-User: aot-train' --data "$1" "http://127.0.0.1:$port/v1/statement")" || return 1
  printf '%s\n' "$reply"
  while next="$(printf '%s' "$reply" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("nextUri",""))')" &&
    [ -n "$next" ]; do
    reply="$(curl -sf -H 'X-Trino-User: aot-train' "$next")" || return 1
    printf '%s\n' "$reply"
  done
  printf '%s' "$reply" | python3 -c 'import json,sys; r=json.load(sys.stdin); sys.exit("error" in r)'
}
query() {
  local reply
  reply="$(ask "$1")" || fail "the query failed: $1: ${reply##*$'\n'}"
}
# Until a query on the tpch catalog runs (180 s at most): Trino refuses queries while it starts,
# and counting the active nodes is not enough either: the catalog's own list of nodes is filled in
# later, and a query scheduled before that fails with "nodes is empty" (seen in image builds). grep
# reads all the replies: with pipefail, one that stopped at the first match would fail the pipe.
ready=
for _ in $(seq 1 360); do
  if ask 'SELECT count(*) FROM tpch.tiny.nation' 2>/dev/null | grep '"data":\[\[25\]\]' >/dev/null; then
    ready=1
    break
  fi
  kill -0 "$pid" 2>/dev/null || fail 'the server exited'
  sleep 0.5
done
[ -n "$ready" ] || fail 'no query on the tpch catalog ran within 180 s'

query 'SELECT count(*) FROM tpch.tiny.orders'
query 'SELECT o.orderpriority, count(*), sum(l.extendedprice) FROM tpch.tiny.orders o JOIN tpch.tiny.lineitem l ON o.orderkey = l.orderkey GROUP BY 1 ORDER BY 1'
query 'CREATE TABLE memory.default.t AS SELECT * FROM tpch.tiny.nation'
query 'SHOW SCHEMAS FROM tpch'

kill -TERM "$pid"
wait "$pid" || true
pid=
[ -s "$out" ] || fail "no $out was written"
chmod 0644 "$out"
du -sh "$out"
