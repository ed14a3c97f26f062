#!/bin/bash
# Installs the cloudtik/sql layer: the database servers of the mysql and postgres runtimes
# (Debian's MariaDB 10.11, which stands in for MySQL where its protocol is what matters, and
# Debian's PostgreSQL 15), installed but not started, and the Hive standalone metastore with the
# MariaDB and PostgreSQL JDBC drivers (Maven Central, pinned by downloads.lock) in /opt/metastore.
# The sql Dockerfile runs it in steps; bare hosts can run the same script.
#
# Usage: install.sh FOLDER MODE [STEP...]
#   FOLDER  this folder's files plus dist/ and jars/ from downloads.lock
#   MODE    image or host
#   STEP    system metastore (default: both, in this order)
# Environment: METASTORE_VERSION (checked), CLOUDTIK_NODE_USER (default ubuntu).
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

layer_main "system metastore" "$@"
