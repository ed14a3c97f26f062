#!/bin/bash
# Installs the cloudtik/streaming layer: Kafka (broker, KRaft controller, command line tools) and the
# ZooKeeper server, from the Maven jars pinned by downloads.lock, with this folder's launchers; and
# Debian's kcat (kafkacat) and netcat for clients and ZooKeeper's four-letter words. The streaming
# Dockerfile runs it; `cloudtik` can run it with sudo on bare hosts.
#
# Usage: install.sh FOLDER MODE [STEP...]
#   FOLDER  this folder's files plus jars/ from downloads.lock (without jars/, the image has them
#           in /opt/kafka/libs already and they are taken as they are)
#   MODE    image or host
#   STEP    system kafka cds (default: all, in this order)
# Environment: KAFKA_VERSION and ZOOKEEPER_VERSION (checked), CLOUDTIK_NODE_USER (default ubuntu).
set -euo pipefail
. /usr/local/libexec/cloudtik/install-lib.sh
home=/opt/kafka

step_system() {
    /usr/local/libexec/cloudtik/apt-install kcat netcat-openbsd
    kcat -V >/dev/null
}

# The jars in /opt/kafka/libs, the launchers in /usr/local/bin, the logging settings in
# /opt/kafka/config (the runtimes write their own server settings into ~/runtime).
step_kafka() {
    local tool
    if [ -d "$ctx/jars" ]; then
        rm -rf "$home/libs"
        install -d "$home/libs"
        cp "$ctx"/jars/*.jar "$home/libs/"
        # One modification time everywhere: class data sharing archives check each jar's time and size.
        touch -m -d @"$JAR_TIME" "$home"/libs/*.jar
    fi
    rm -rf "$home/config"
    install -d "$home/config"
    install -m 0644 "$ctx"/conf/*.properties "$home/config/"
    install -m 0755 "$ctx/bin/kafka-run-class" /usr/local/bin/kafka-run-class
    install -D -m 0755 "$ctx/bin/kafka-command" /usr/local/libexec/kafka-command
    for tool in kafka-topics kafka-console-producer kafka-console-consumer kafka-consumer-groups \
        kafka-metadata-quorum kafka-storage kafka-server-start zookeeper-server-start zookeeper-shell; do
        ln -sfn /usr/local/libexec/kafka-command "/usr/local/bin/$tool"
    done
    test -f "$home/libs/kafka_2.13-${KAFKA_VERSION}.jar"
    test -f "$home/libs/zookeeper-${ZOOKEEPER_VERSION}.jar"
    if [ "$mode" = image ]; then
        kafka-run-class kafka.Kafka --version 2>/dev/null | grep -q "^${KAFKA_VERSION}"
    fi
}

# Class data sharing archives of the broker, the ZooKeeper server and the tools (see cds-train.sh):
# a broker starts in about 1.1 s instead of 2.8. Images train them here; on a bare host the
# daemons write their own when they first stop, into a folder of the node user.
step_cds() {
    if [ "$mode" = host ]; then
        rm -rf /opt/cds/kafka
        install -d -m 0755 -o "$user" -g "$(id -gn "$user")" /opt/cds/kafka
        return
    fi
    "$ctx/cds-train.sh" /opt/cds/kafka
}

layer_main "system kafka cds" "$@"
