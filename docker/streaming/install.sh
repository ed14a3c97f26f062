#!/bin/bash
# Installs the cloudtik/streaming layer: Kafka (broker, KRaft controller, command line tools) and the
# ZooKeeper server, from the Maven jars pinned by downloads.lock, with this folder's launchers; Flink
# with PyFlink from its PyPI packages (pinned by downloads.lock too); and Debian's kcat (kafkacat) and
# netcat for clients and ZooKeeper's four-letter words. The streaming Dockerfile runs it; `cloudtik`
# can run it with sudo on bare hosts.
#
# Usage: install.sh FOLDER MODE [STEP...]
#   FOLDER  this folder's files plus jars/ and python/ from downloads.lock (without jars/, the image
#           has them in /opt/kafka/libs already and they are taken as they are)
#   MODE    image or host
#   STEP    system kafka pyflink flink cds (default: all, in this order)
# Environment: KAFKA_VERSION, ZOOKEEPER_VERSION and FLINK_VERSION (checked), CLOUDTIK_NODE_USER
#              (default ubuntu).
set -euo pipefail
. /usr/local/libexec/cloudtik/install-lib.sh
home=/opt/kafka
flink_venv=/opt/flink-venv

# Python for PyFlink (the spark layer's too; a bare host may have this layer without it).
step_system() {
    /usr/local/libexec/cloudtik/apt-install kcat netcat-openbsd python3 python3-venv
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

# PyFlink in its own virtual environment (Debian's Python 3.11), with Flink's jars from the
# apache-flink-libraries archive unpacked into the package, where Flink's scripts look for them: lib/
# (the distribution, the Table API and planner), opt/'s PyFlink and SQL client jars, and bin/'s
# configuration parser. The archive's other optional jars and metric plugins stay out, and so do the
# modules only Python functions (UDFs) need on the workers (Apache Beam, pandas, pyarrow: several
# hundred MB): Table API, SQL and DataStream jobs built in Python run on Flink's Java operators.
step_pyflink() {
    local archive="$ctx/python/apache-flink-libraries-${FLINK_VERSION}.tar.gz" top pkg
    rm -rf "$flink_venv"
    python3 -m venv "$flink_venv"
    PIP_FIND_LINKS= "$flink_venv/bin/pip" install --no-index --no-deps --no-cache-dir --disable-pip-version-check \
        "$ctx"/python/apache_flink-"${FLINK_VERSION}"-*.whl "$ctx"/python/py4j-*.whl "$ctx"/python/python_dateutil-*.whl \
        "$ctx"/python/six-*.whl "$ctx"/python/pytz-*.whl "$ctx"/python/cloudpickle-*.whl "$ctx"/python/ruamel_yaml-*.whl
    pkg="$("$flink_venv/bin/python" -c 'import os, pyflink; print(os.path.dirname(pyflink.__file__))')"
    top="apache-flink-libraries-${FLINK_VERSION}/deps"
    rm -rf "$pkg/lib" "$pkg/opt" "$pkg/plugins" "$pkg/log" "$pkg/examples"
    tar -xzf "$archive" -C "$pkg" --strip-components=2 "$top/lib" "$top/bin/bash-java-utils.jar" \
        "$top/opt/flink-python-${FLINK_VERSION}.jar" "$top/opt/flink-sql-client-${FLINK_VERSION}.jar"
    install -d "$pkg/plugins"
    touch -m -d @"$JAR_TIME" "$pkg"/lib/*.jar "$pkg"/opt/*.jar
    test -f "$pkg/lib/flink-dist-${FLINK_VERSION}.jar"
    [ "$mode" = image ] || chown -R "$user:" "$flink_venv"
}

# FLINK_HOME=/opt/flink (the pyflink package folder), its conf/ the node user's (the runtime writes
# config.yaml there), and the launchers on the PATH.
step_flink() {
    local pkg tool
    pkg="$("$flink_venv/bin/python" -c 'import os, pyflink; print(os.path.dirname(pyflink.__file__))')"
    ln -sfn "$pkg" /opt/flink
    chown -R "$user:" "$pkg/conf"
    chmod 0755 "$pkg"/bin/*.sh "$pkg/bin/flink"
    install -D -m 0755 "$ctx/flink/flink-command" /usr/local/libexec/flink-command
    for tool in flink yarn-session.sh sql-client.sh flink-history-server; do
        ln -sfn /usr/local/libexec/flink-command "/usr/local/bin/$tool"
    done
    install -D -m 0644 "$ctx/flink/profile.sh" /etc/profile.d/cloudtik-flink.sh
    test "$("$flink_venv/bin/python" -c 'from pyflink.version import __version__; print(__version__)')" = "$FLINK_VERSION"
    # `flink --version` starts Java twice: images only.
    if [ "$mode" = image ]; then
        flink --version 2>/dev/null | grep -q "Version: ${FLINK_VERSION}"
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

layer_main "system kafka pyflink flink cds" "$@"
