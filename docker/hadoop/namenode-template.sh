#!/usr/bin/env bash
# Makes the image's NameNode template: a formatted, empty HDFS namespace that already holds the
# folders runtimes expect from a cluster's first moment (the Spark event log folder), saved as one
# fsimage. A new cluster's NameNode starts from a copy with identifiers of its own (cloudtik writes
# its current/VERSION) instead of running a format and then a mkdir while its workers start.
#
# Usage: namenode-template.sh DIR FOLDER...   (as the node user, at image build time)
set -euo pipefail
dir="${1:?usage: namenode-template.sh DIR FOLDER...}"
shift
work="$(mktemp -d)"
pid=
cleanup() {
  [ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

export HADOOP_CONF_DIR="$work/conf" HADOOP_LOG_DIR="$work/logs" HADOOP_PID_DIR="$work/pids" HADOOP_CDS=off
mkdir -p "$HADOOP_CONF_DIR"
cp /opt/hadoop/etc/hadoop/log4j.properties "$HADOOP_CONF_DIR/"
site_xml=/opt/hadoop/libexec/site-xml # FILE NAME VALUE...: a *-site.xml in $HADOOP_CONF_DIR
"$site_xml" core-site.xml fs.defaultFS hdfs://127.0.0.1:9000 hadoop.tmp.dir "$work/tmp"
"$site_xml" hdfs-site.xml \
  dfs.namenode.name.dir "file://$dir" \
  dfs.namenode.rpc-address 127.0.0.1:9000 \
  dfs.namenode.http-address 127.0.0.1:9870 \
  dfs.namenode.safemode.extension 0

fail() {
  echo "namenode-template: $1; the end of the NameNode's log:" >&2
  tail -n 40 "$work/namenode.log" >&2 2>/dev/null || true
  exit 1
}

hdfs namenode -format -nonInteractive -clusterid CID-template >"$work/format.log" 2>&1 || {
  cat "$work/format.log" >&2
  exit 1
}
hdfs namenode >"$work/namenode.log" 2>&1 </dev/null &
pid=$!
# The client waits for the NameNode's port by itself; a few tries cover a slow build machine.
for try in 1 2 3 4 5; do
  if hdfs dfs -mkdir -p "$@" 2>"$work/mkdir.log"; then break; fi
  kill -0 "$pid" 2>/dev/null || fail 'the NameNode stopped'
  [ "$try" -lt 5 ] || { cat "$work/mkdir.log" >&2; fail "could not make $*"; }
done
hdfs dfsadmin -safemode enter >/dev/null
hdfs dfsadmin -saveNamespace >/dev/null
kill -TERM "$pid"
wait "$pid" || true
pid=
test -f "$dir/current/VERSION"
test ! -e "$dir/in_use.lock"
ls "$dir/current"
