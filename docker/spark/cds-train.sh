#!/usr/bin/env bash
# Makes the image's class data sharing archives: starts each Hadoop daemon, a client command, the
# Spark history server and a small Spark job once, on 127.0.0.1 in a scratch folder, through the image's own launchers
# with HADOOP_CDS_TRAIN / SPARK_CDS_TRAIN set, lets them do their usual start-up work (a DataNode
# and a NodeManager register, a file goes in and out of HDFS), then stops them with SIGTERM: Java
# writes the classes each one loaded into OUT/hadoop/<daemon>.jsa, client.jsa,
# OUT/spark/history-server.jsa and OUT/spark/job.jsa. Nodes then start from these (see
# hadoop-launcher; Spark's drivers and executors through spark-defaults.conf). The three (the Hadoop
# daemons, the history server, the job) share nothing but the scratch folder and run side by side:
# much of each is waiting on start-ups and heartbeats (98 s one after the other on a loaded 2-core host).
#
# Usage: cds-train.sh OUT    (run at image build time, after every jar is in place)
set -euo pipefail
out="${1:?usage: cds-train.sh OUT}"
work="$(mktemp -d)"
pids=()   # the daemons the current part started (each part runs in a subshell of its own)
parts=()  # pid:name of each part running
kill_daemons() {
  local pid
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
}
cleanup() {
  local part
  # A part told to stop kills its daemons on the way out (see run_part).
  for part in "${parts[@]}"; do kill -TERM "${part%%:*}" 2>/dev/null || true; done
  for part in "${parts[@]}"; do wait "${part%%:*}" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

export HADOOP_CONF_DIR="$work/conf" HADOOP_LOG_DIR="$work/logs" HADOOP_PID_DIR="$work/pids"
mkdir -p "$HADOOP_CONF_DIR" "$HADOOP_LOG_DIR" "$out/hadoop" "$out/spark"
rm -f "$out"/hadoop/*.jsa "$out"/spark/*.jsa
cp /opt/hadoop/etc/hadoop/log4j.properties "$HADOOP_CONF_DIR/"

site_xml=/opt/hadoop/libexec/site-xml # FILE NAME VALUE...: a *-site.xml in $HADOOP_CONF_DIR
"$site_xml" core-site.xml fs.defaultFS hdfs://127.0.0.1:9000 hadoop.tmp.dir "$work/tmp"
"$site_xml" hdfs-site.xml \
  dfs.replication 1 \
  dfs.namenode.rpc-address 127.0.0.1:9000 \
  dfs.namenode.http-address 127.0.0.1:9870 \
  dfs.namenode.name.dir "file://$work/name" \
  dfs.datanode.data.dir "file://$work/data" \
  dfs.namenode.safemode.extension 0 \
  dfs.namenode.datanode.registration.ip-hostname-check false \
  dfs.permissions.enabled false
"$site_xml" yarn-site.xml \
  yarn.resourcemanager.hostname 127.0.0.1 \
  yarn.nodemanager.hostname 127.0.0.1 \
  yarn.nodemanager.resource.memory-mb 3072 \
  yarn.nodemanager.resource.cpu-vcores 4 \
  yarn.nodemanager.local-dirs "$work/yarn/local" \
  yarn.nodemanager.log-dirs "$work/yarn/logs" \
  yarn.nodemanager.vmem-check-enabled false \
  yarn.nodemanager.aux-services spark_shuffle \
  yarn.nodemanager.aux-services.spark_shuffle.class org.apache.spark.network.yarn.YarnShuffleService \
  yarn.nodemanager.aux-services.spark_shuffle.classpath '/opt/hadoop/share/hadoop/yarn/aux/spark-shuffle/*'
"$site_xml" capacity-scheduler.xml \
  yarn.scheduler.capacity.root.queues default \
  yarn.scheduler.capacity.root.default.capacity 100 \
  yarn.scheduler.capacity.root.default.maximum-capacity 100
# The JVM options nodes run with (cloudtik writes the same into hadoop-env.sh), so the same classes load.
jvm_opts='-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto'
echo "export HADOOP_OPTS=\"$jvm_opts\"" >"$HADOOP_CONF_DIR/hadoop-env.sh"

HADOOP_CDS=off hdfs namenode -format -nonInteractive >"$work/format.log" 2>&1 || {
  cat "$work/format.log" >&2
  exit 1
}

# Started as children of this shell, so `wait` collects them (no init reaps in a build step).
start() {
  local name="$1"
  shift
  "$@" >"$HADOOP_LOG_DIR/$name.out" 2>&1 </dev/null &
  pids+=($!)
}
# wait_for WHAT COMMAND: until COMMAND succeeds (60 s at most).
wait_for() {
  local _
  for _ in $(seq 1 300); do
    if eval "$2" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  echo "cds-train: $1 did not come up; the end of the logs:" >&2
  tail -n 40 "$HADOOP_LOG_DIR"/*.out >&2 || true
  exit 1
}
# stop_all: SIGTERM to every child, then wait for each (Java writes the archive as it exits).
stop_all() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" || true; done
  pids=()
}

hadoop_part() {
  jmx='http://127.0.0.1:9870/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState'
  metrics='http://127.0.0.1:8088/ws/v1/cluster/metrics'
  export HADOOP_CDS_TRAIN="$out/hadoop"
  start namenode hdfs namenode
  start resourcemanager yarn resourcemanager
  wait_for 'the NameNode' "curl -sf '$jmx'"
  start datanode hdfs datanode
  wait_for 'the ResourceManager' "curl -sf '$metrics'"
  start nodemanager yarn nodemanager
  wait_for 'the DataNode' "curl -sf '$jmx' | grep -q '\"NumLiveDataNodes\" : 1'"
  wait_for 'the NodeManager' "curl -sf '$metrics' | grep -q '\"activeNodes\":1,'"
  # The client archive: one command that both writes and reads HDFS (-cp), after a -put.
  HADOOP_CDS_TRAIN="" hdfs dfs -put "$HADOOP_CONF_DIR/core-site.xml" /in.xml
  hdfs dfs -cp /in.xml /out.xml
  sleep 3 # a few heartbeats and block reports
  stop_all
}

history_part() {
  mkdir -p "$work/spark-events"
  SPARK_CDS_TRAIN="$out/spark" SPARK_DAEMON_JAVA_OPTS="$jvm_opts" \
    SPARK_HISTORY_OPTS="-Dspark.history.fs.logDirectory=file://$work/spark-events" \
    start history-server spark-history-server
  wait_for 'the Spark history server' "curl -sf http://127.0.0.1:18080/api/v1/applications"
  sleep 1
  stop_all
}

# The archive of Spark's jobs (OUT/spark/job.jsa): a small PySpark job in local mode, whose one JVM
# loads what a driver and an executor load (a context, the scheduler, block managers, RPC, tasks,
# Python workers). Java is started directly with the jars alone as its classpath, the JVM options
# drivers and executors have (the module openings Spark's launcher adds, the client compiler):
# drivers and executors run with the same jars first on theirs (spark.*.extraClassPath), so the
# archive's classpath is a prefix of theirs, which is what class data sharing asks.
job_part() {
  cat >"$work/job.py" <<'PY'
from pyspark.sql import SparkSession, functions as F
s = SparkSession.builder.appName("cds-train").getOrCreate()
assert s.sparkContext.parallelize(range(1, 1001), 2).sum() == 500500
rows = s.range(1000).select((F.col("id") % 10).alias("k"))
assert rows.groupBy("k").count().count() == 10
s.stop()
PY
  local spark_opens=(
    -XX:+IgnoreUnrecognizedVMOptions
    --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
    --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
    --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
    --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
    --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
    --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  )
  cd "$work"
  # In the background and waited for, so that a stop of this part reaches it at once.
  SPARK_CONF_DIR="$work/spark-conf" PYSPARK_PYTHON="${PYSPARK_PYTHON:-/opt/spark-venv/bin/python}" \
    PYTHONPATH="$(printf '%s:' /opt/spark/python/lib/*.zip)" \
    start job "${JAVA_HOME:-/usr/lib/jvm/java-17}/bin/java" "-XX:ArchiveClassesAtExit=$out/spark/job.jsa" \
    "-Xlog:cds*=off" "${spark_opens[@]}" -XX:TieredStopAtLevel=1 -cp "${SPARK_HOME:-/opt/spark}/jars/*" \
    org.apache.spark.deploy.SparkSubmit --master 'local[2]' --conf spark.ui.enabled=false \
    --conf "spark.local.dir=$work/spark-local" "$work/job.py"
  wait "${pids[0]}" || {
    echo "cds-train: the Spark job failed; the end of its output:" >&2
    tail -n 40 "$HADOOP_LOG_DIR/job.out" >&2
    exit 1
  }
  pids=()
}

# run_part NAME: NAME_part in the background, its output in $work/part-NAME.log; on its way out (done,
# failed or told to stop) it kills whatever daemons it left.
run_part() {
  (
    trap kill_daemons EXIT
    trap 'exit 143' TERM
    "$1_part"
  ) >"$work/part-$1.log" 2>&1 </dev/null &
  parts+=("$!:$1")
}
run_part hadoop
run_part history
run_part job
failed=0
for part in "${parts[@]}"; do
  if ! wait "${part%%:*}"; then
    echo "cds-train: the ${part#*:} part failed; the end of its output:" >&2
    tail -n 40 "$work/part-${part#*:}.log" >&2
    failed=1
  fi
done
parts=()
[ "$failed" = 0 ] || exit 1

for archive in hadoop/namenode hadoop/datanode hadoop/resourcemanager hadoop/nodemanager hadoop/client \
  spark/history-server spark/job; do
  [ -s "$out/$archive.jsa" ] || {
    echo "cds-train: no $out/$archive.jsa was written" >&2
    exit 1
  }
done
chmod 0644 "$out"/hadoop/*.jsa "$out"/spark/*.jsa
du -sh "$out"/hadoop/*.jsa "$out"/spark/*.jsa
