#!/bin/bash
# Installs the cloudtik/hadoop layer: Java 17 from Debian, Apache Hadoop's jars (Maven Central,
# pinned by downloads.lock), our launchers and configuration, a formatted NameNode template. The
# hadoop Dockerfile runs it in steps; `cloudtik` runs it with sudo on bare hosts (src/core/host/).
#
# Usage: install.sh FOLDER MODE [STEP...]
#   FOLDER  this folder's files plus jars/ and test-jars/ from downloads.lock. Without jars/ the
#           jars must already be in /opt/hadoop/share/hadoop/lib (the Dockerfile copies them there,
#           so they are in no layer twice); `hadoop version` below tells a missing one.
#   MODE    image or host (host: scratch files go to a temporary folder, the user's home is not used)
#   STEP    java webapps hadoop namenode (default: all, in this order)
# Environment: HADOOP_VERSION (checked), CLOUDTIK_NODE_USER (default ubuntu).
set -euo pipefail
. /usr/local/libexec/cloudtik/install-lib.sh
home=/opt/hadoop
# shellcheck source=profile.sh
. "$(dirname "$0")/profile.sh"
export PATH=/usr/local/bin:$PATH

step_java() {
    /usr/local/libexec/cloudtik/apt-install openjdk-17-jre-headless curl unzip
    ln -sfn "$(dirname "$(dirname "$(readlink -f /usr/bin/java)")")" /usr/lib/jvm/java-17
    /usr/lib/jvm/java-17/bin/java -version
}

# The HDFS web apps (NameNode and DataNode UIs) are not in the hadoop-hdfs jar but in its tests jar.
step_webapps() {
    mkdir -p "$home/share/hadoop/hdfs"
    rm -rf "$home/share/hadoop/hdfs/webapps"
    unzip -q "$ctx"/test-jars/hadoop-hdfs-*-tests.jar 'webapps/*' -d "$home/share/hadoop/hdfs"
    test -f "$home/share/hadoop/hdfs/webapps/hdfs/index.html"
}

step_hadoop() {
    if [ -d "$ctx/jars" ]; then
        rm -rf "$home/share/hadoop/lib"
        mkdir -p "$home/share/hadoop/lib"
        cp "$ctx"/jars/*.jar "$home/share/hadoop/lib/"
        # One modification time everywhere: class data sharing archives check each jar's time and size.
        touch -m -d @"$JAR_TIME" "$home"/share/hadoop/lib/*.jar
    fi
    rm -rf "$home/bin" "$home/share/doc/example-conf"
    mkdir -p "$home/libexec" "$home/etc/hadoop" "$home/share/doc" "$home/bin" \
        "$home/share/hadoop/yarn/lib" "$home/share/hadoop/yarn/aux"
    install -m 0755 "$ctx/bin/hadoop-launcher" "$ctx/bin/site-xml" "$ctx/bin/cds-options" "$home/libexec/"
    cp -R "$ctx/conf/." "$home/etc/hadoop/"
    cp -R "$ctx/example-conf" "$home/share/doc/example-conf"
    for cmd in hadoop hdfs yarn mapred; do
        ln -sfn ../libexec/hadoop-launcher "$home/bin/$cmd"
        ln -sfn "$home/libexec/hadoop-launcher" "/usr/local/bin/$cmd"
    done
    install -D -m 0644 "$ctx/profile.sh" /etc/profile.d/cloudtik-hadoop.sh
    chown -R "$user:" "$home/etc/hadoop"
    # Starting Java costs a second of CPU on each bare host, whose jars were just checked by
    # sha256 and copied: there the version is read from a jar's name.
    if [ "$mode" = host ]; then
        test -f "$home/share/hadoop/lib/hadoop-common-${HADOOP_VERSION}.jar"
    else
        test "$(hadoop version | head -n 1)" = "Hadoop ${HADOOP_VERSION}"
        runuser -u "$user" -- env HOME="/home/$user" hdfs dfs -ls "file://$home/etc/hadoop" >/dev/null
        test ! -e "/home/$user/runtime"
    fi
}

# A formatted NameNode folder made by the node user, holding the Spark event log folder: a new
# cluster's NameNode starts from a copy with identifiers of its own (see namenode-template.sh).
# Images only: on a host, making it costs more (several Java starts, on every first install) than
# the one format it would save, so the NameNode there formats at its first start (runtimes/hdfs).
step_namenode() {
    local template=$home/share/hadoop/namenode-template
    rm -rf "$template" "$template.key"
    [ "$mode" = image ] || return 0
    install -d -o "$user" -g "$(id -gn "$user")" "$template"
    runuser -u "$user" -- env HOME=/tmp "$ctx/namenode-template.sh" "$template" /shared/spark-events
    rm -rf /tmp/runtime "/tmp/hadoop-$user" "/tmp/hsperfdata_$user"
}

layer_main "java webapps hadoop namenode" "$@"
