#!/usr/bin/env bash
# Makes the image's class data sharing archives of Kafka and ZooKeeper (see kafka-run-class): starts
# a one-member ZooKeeper ensemble and a broker registered in it on 127.0.0.1 in a scratch folder,
# runs the tools nodes run (a topic created, messages produced and consumed, the ensemble's config
# read, a KRaft log folder formatted), then stops the daemons with SIGTERM: Java writes the classes
# each one loaded into OUT/zookeeper.jsa, broker.jsa, tools.jsa, zkcli.jsa and storage.jsa.
#
# Usage: cds-train.sh OUT    (run at image build time, after every jar is in place)
set -euo pipefail
out="${1:?usage: cds-train.sh OUT}"
work="$(mktemp -d)"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$out" "$work/zk"
rm -f "$out"/*.jsa
# The options nodes start them with (an archive is only used with a matching collector).
export KAFKA_HEAP_OPTS=-Xmx256m KAFKA_JVM_PERFORMANCE_OPTS='-XX:TieredStopAtLevel=1 -XX:+UseSerialGC'
daemon_log4j="-Dlog4j.configuration=file:${KAFKA_HOME:-/opt/kafka}/config/log4j.properties"

# wait_for WHAT SECONDS COMMAND...: run COMMAND every half second until it succeeds.
wait_for() {
  local what=$1 tries=$(($2 * 2))
  shift 2
  until "$@" >/dev/null 2>&1; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || { echo "cds-train.sh: $what did not come up" >&2; tail -n 30 "$work"/*.log >&2; exit 1; }
    sleep 0.5
  done
}
zk_serving() {
  exec 3<>/dev/tcp/127.0.0.1/2181 && printf srvr >&3 && grep -q '^Mode: leader' <&3
}

echo 1 >"$work/zk/myid"
echo 'server.1=127.0.0.1:2888:3888:participant;127.0.0.1:2181' >"$work/zoo.cfg.dynamic"
cat >"$work/zoo.cfg" <<CFG
tickTime=2000
initLimit=10
syncLimit=5
dataDir=$work/zk
standaloneEnabled=false
reconfigEnabled=true
skipACL=yes
4lw.commands.whitelist=srvr,mntr,ruok,stat,conf,isro
admin.enableServer=false
dynamicConfigFile=$work/zoo.cfg.dynamic
CFG
KAFKA_CDS_TRAIN="$out" KAFKA_LOG4J_OPTS="$daemon_log4j" zookeeper-server-start "$work/zoo.cfg" >"$work/zookeeper.log" 2>&1 &
zk=$!
pids+=("$zk")
wait_for ZooKeeper 60 zk_serving

cat >"$work/server.properties" <<PROPS
broker.id=1
listeners=PLAINTEXT://127.0.0.1:9092
zookeeper.connect=127.0.0.1:2181
log.dirs=$work/kafka
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
KAFKA_CDS_TRAIN="$out" KAFKA_LOG4J_OPTS="$daemon_log4j" kafka-server-start "$work/server.properties" >"$work/broker.log" 2>&1 &
broker=$!
pids+=("$broker")
wait_for 'the broker' 90 kafka-topics --bootstrap-server 127.0.0.1:9092 --list

KAFKA_CDS_TRAIN="$out" kafka-topics --bootstrap-server 127.0.0.1:9092 --create --topic train --partitions 2 --replication-factor 1
seq 1 1000 | kafka-console-producer --bootstrap-server 127.0.0.1:9092 --topic train
test "$(kafka-console-consumer --bootstrap-server 127.0.0.1:9092 --topic train --from-beginning --max-messages 1000 --timeout-ms 30000 2>/dev/null | wc -l)" = 1000
KAFKA_CDS_TRAIN="$out" zookeeper-shell -server 127.0.0.1:2181 config >/dev/null

cat >"$work/kraft.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:19093
listeners=PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093
controller.listener.names=CONTROLLER
log.dirs=$work/kraft
PROPS
KAFKA_CDS_TRAIN="$out" kafka-storage format -t AAAAAAAAAAAAAAAAAAAAAA -c "$work/kraft.properties" >/dev/null

kill -TERM "$broker"
wait "$broker" || true
kill -TERM "$zk"
wait "$zk" || true
pids=()
for name in zookeeper broker tools zkcli storage; do
  test -s "$out/$name.jsa" || { echo "cds-train.sh: no $out/$name.jsa" >&2; exit 1; }
done
ls -la "$out"
