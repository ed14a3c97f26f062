#!/usr/bin/env bash
# Makes the class data sharing archive of the Hive metastore's server (OUT/server.jsa): starts a
# scratch MariaDB on 127.0.0.1 (the database nodes give it by default), loads the metastore's schema
# with its client, runs the server through the image's launcher with METASTORE_CDS_TRAIN set and the
# JVM options of the metastore runtime (src/runtimes/metastore/node.ts) until it answers and has made
# its default database, then stops it with SIGTERM: Java writes the classes it loaded as it exits.
# Nodes start from it (see hive-metastore): Java maps those classes instead of loading them from the jars.
#
# Usage: metastore-cds-train.sh OUT    (run at image build time, as root, after every jar is in place)
set -euo pipefail
out="${1:?usage: metastore-cds-train.sh OUT}"
work="$(mktemp -d)"
db_port=13306 port=19083
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$out" "$work/conf"
rm -f "$out/server.jsa"
fail() {
  echo "metastore-cds-train: $1; the end of the logs:" >&2
  tail -n 30 "$work"/*.log >&2 || true
  exit 1
}
# wait_for WHAT COMMAND...: until COMMAND succeeds (120 s at most).
wait_for() {
  local what=$1 _
  shift
  for _ in $(seq 1 240); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  fail "$what did not come up"
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The database (mariadb-install-db makes root@127.0.0.1 without a password).
mariadb-install-db --no-defaults --user=root --datadir="$work/db" --auth-root-authentication-method=normal \
  --skip-test-db >"$work/install-db.log" 2>&1 || fail 'mariadb-install-db failed'
# Started as children of this shell, so `wait` collects them (no init reaps in a build step).
mariadbd --no-defaults --user=root --datadir="$work/db" --socket="$work/db.sock" --pid-file="$work/db.pid" \
  --bind-address=127.0.0.1 --port=$db_port --skip-log-bin >"$work/mariadb.log" 2>&1 </dev/null &
pids+=($!)
client=(mariadb --no-defaults -h 127.0.0.1 -P $db_port -u root)
wait_for MariaDB "${client[@]}" -e 'SELECT 1'
# A user of its own: the metastore's JDBC driver does not log in without a password. (A scratch
# database on the loopback address, gone with this script: the password is no secret.)
"${client[@]}" -e "CREATE DATABASE metastore; CREATE USER 'hive'@'127.0.0.1' IDENTIFIED BY 'train'; GRANT ALL ON metastore.* TO 'hive'@'127.0.0.1'"
"${client[@]}" metastore </opt/metastore/scripts/metastore/upgrade/mysql/hive-schema-3.1.0.mysql.sql

# The settings of the runtime's metastore-site.xml (metastoreSite), on this scratch database.
/opt/hadoop/libexec/site-xml "$work/conf/metastore-site.xml" \
  metastore.thrift.uris "thrift://127.0.0.1:$port" \
  metastore.thrift.port "$port" \
  javax.jdo.option.ConnectionURL "jdbc:mariadb://127.0.0.1:$db_port/metastore?useMysqlMetadata=true" \
  javax.jdo.option.ConnectionDriverName org.mariadb.jdbc.Driver \
  javax.jdo.option.ConnectionUserName hive \
  javax.jdo.option.ConnectionPassword train \
  metastore.warehouse.dir "file://$work/warehouse" \
  metastore.expression.proxy org.apache.hadoop.hive.metastore.DefaultPartitionExpressionProxy \
  metastore.task.threads.always org.apache.hadoop.hive.metastore.events.EventCleanerTask \
  hive.metastore.event.db.notification.api.auth false \
  metastore.schema.verification true \
  datanucleus.schema.autoCreateAll false

METASTORE_CONF_DIR="$work/conf" METASTORE_CDS_TRAIN="$out" \
  METASTORE_JAVA_OPTS='-Xmx512m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Dproc_metastore' \
  hive-metastore server >"$work/metastore.log" 2>&1 </dev/null &
metastore=$!
pids+=("$metastore")
wait_for 'the metastore' port_open $port
# The server makes its default database as it starts.
has_default() { "${client[@]}" -N -B metastore -e "SELECT NAME FROM DBS WHERE NAME = 'default'" | grep -q default; }
wait_for "the metastore's default database" has_default
sleep 2
kill -TERM "$metastore"
wait "$metastore" || true
[ -s "$out/server.jsa" ] || fail "no $out/server.jsa was written"
chmod 0644 "$out/server.jsa"
du -sh "$out/server.jsa"
