#!/bin/bash
# Installs the cloudtik/spark layer: Python 3, Apache Spark from the pyspark package (pinned by
# downloads.lock) in /opt/spark-venv, Spark's YARN shuffle service for the NodeManagers, Prometheus
# and the node exporter from Debian (installed, not started), class data sharing archives. The spark
# Dockerfile runs it in steps; `cloudtik` runs it with sudo on bare hosts (src/core/host/).
#
# Usage: install.sh FOLDER MODE [STEP...]
#   FOLDER  this folder's files plus python/ and jars/ from downloads.lock
#   MODE    image or host
#   STEP    system pyspark spark cds (default: all, in this order)
# Environment: SPARK_VERSION (checked), CLOUDTIK_NODE_USER (default ubuntu), CLOUDTIK_NODE_KIND
#              (host mode: `worker` leaves out the Prometheus server).
set -euo pipefail
. /usr/local/libexec/cloudtik/install-lib.sh
venv=/opt/spark-venv
export PATH=/usr/local/bin:$PATH

# The Prometheus server runs on the head only: a bare worker host goes without it and its web UI's
# JavaScript libraries. The web UI needs one file of libjs-moment-timezone, whose 210 MB of JSON
# time zone data stay out.
step_system() {
    local packages=(python3 python3-venv prometheus-node-exporter)
    if for_head; then packages+=(prometheus); fi
    echo 'path-exclude=/usr/share/javascript/moment-timezone/data/*' > /etc/dpkg/dpkg.cfg.d/cloudtik-moment-timezone
    /usr/local/libexec/cloudtik/apt-install "${packages[@]}"
    disable_services prometheus prometheus-node-exporter
    if for_head; then prometheus --version; fi
    prometheus-node-exporter --version
}

# pyspark (and py4j) from the folder only; pip builds pyspark's wheel from its source archive. On a
# host its modules are not compiled at install (a fifth of the step): drivers and executors import
# them from pyspark.zip, compiled below, and Python compiles the few others when first imported.
step_pyspark() {
    local compile=()
    [ "$mode" = image ] || compile=(--no-compile)
    rm -rf "$venv"
    python3 -m venv "$venv"
    PIP_FIND_LINKS= "$venv/bin/pip" install --no-index --find-links "$ctx/python" --no-cache-dir \
        --disable-pip-version-check "${compile[@]}" "pyspark==${SPARK_VERSION}"
    compile_pyspark_zip
    # In images the Dockerfile copies the environment over with its owner set.
    [ "$mode" = image ] || chown -R "$user:" "$venv"
}

# Spark puts python/lib/pyspark.zip first on the Python path of every driver and executor it starts,
# and Python compiles each module it imports from a zip anew: importing pyspark.sql took 0.5 s from
# the zip as shipped and 0.16 s with compiled modules. The zip gets each module's compiled form beside
# its source (where zipimport looks), checked by nothing but the source's hash stored in it, in a
# fixed order with fixed times so that every install writes the same bytes.
compile_pyspark_zip() {
    "$venv/bin/python" - "$(ls -d "$venv"/lib/python3*/site-packages/pyspark/python/lib/pyspark.zip)" <<'PY'
import compileall, os, py_compile, sys, tempfile, zipfile

zip_path = sys.argv[1]
with tempfile.TemporaryDirectory() as tmp:
    with zipfile.ZipFile(zip_path) as z:
        z.extractall(tmp)
    mode = py_compile.PycInvalidationMode.UNCHECKED_HASH
    # Tracebacks name the modules inside the zip, as they do when compiled from it.
    if not compileall.compile_dir(tmp, ddir=zip_path, quiet=1, legacy=True, invalidation_mode=mode):
        sys.exit("compiling the modules of pyspark.zip failed")
    names = sorted(os.path.relpath(os.path.join(d, f), tmp) for d, _, fs in os.walk(tmp) for f in fs)
    with zipfile.ZipFile(zip_path + ".tmp", "w", zipfile.ZIP_DEFLATED) as out:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with open(os.path.join(tmp, name), "rb") as f:
                out.writestr(info, f.read())
os.replace(zip_path + ".tmp", zip_path)
PY
}

step_spark() {
    local package jar pattern found aux=/opt/hadoop/share/hadoop/yarn/aux/spark-shuffle
    . "$ctx/profile.sh"
    install -D -m 0755 "$ctx/spark-command" /usr/local/libexec/spark-command
    install -m 0755 "$ctx/spark-history-server" /usr/local/bin/spark-history-server
    install -D -m 0644 "$ctx/profile.sh" /etc/profile.d/cloudtik-spark.sh
    package="$("$venv/bin/python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')"
    ln -sfn "$package" /opt/spark
    install -d -o "$user" -g "$(id -gn "$user")" /opt/spark/conf
    install -o "$user" -g "$(id -gn "$user")" -m 0755 "$ctx"/conf/* /opt/spark/conf/
    for cmd in spark-submit pyspark spark-shell spark-sql spark-class run-example beeline; do
        test -x "/opt/spark/bin/$cmd"
        ln -sfn /usr/local/libexec/spark-command "/usr/local/bin/$cmd"
    done
    rm -rf "$aux"
    mkdir -p "$aux"
    cp "$ctx"/jars/*.jar "$aux/"
    touch -m -d @"$JAR_TIME" "$aux"/*.jar
    grep -v '^#' "$ctx/shuffle-jars.txt" | while read -r pattern; do
        found=0
        for jar in /opt/spark/jars/$pattern; do
            [ -e "$jar" ] || continue
            ln -sfn "$jar" "$aux/"
            found=1
        done
        [ "$found" = 1 ] || { echo "no jar in /opt/spark/jars matches $pattern" >&2; exit 1; }
    done
    test -e "$aux/spark-network-yarn_2.12-${SPARK_VERSION}.jar"
    test -f /opt/spark/python/lib/pyspark.zip
    test "$("$venv/bin/python" -c 'import pyspark; print(pyspark.__version__)')" = "${SPARK_VERSION}"
    # spark-submit starts Java (two seconds of CPU): images only, as for `hadoop version`.
    if [ "$mode" = host ]; then
        test -f "/opt/spark/jars/spark-core_2.12-${SPARK_VERSION}.jar"
    else
        spark-submit --version 2>&1 | grep -q "version ${SPARK_VERSION}"
    fi
}

# Class data sharing archives of the Hadoop daemons, the Hadoop client, the history server and
# Spark's jobs (see cds-train.sh): nodes start them with a third less CPU time. Images train them
# here. A bare host does not: training costs a minute and a half of CPU on every first start; its
# daemons write their own archives when they first stop instead (see
# /opt/hadoop/libexec/cds-options), into folders of the node user, emptied on each install so that
# no archive outlives the jars and JDK it was made for.
step_cds() {
    if [ "$mode" = host ]; then
        rm -rf /opt/cds
        install -d -m 0755 /opt/cds
        install -d -m 0755 -o "$user" -g "$(id -gn "$user")" /opt/cds/hadoop /opt/cds/spark
        return
    fi
    . /etc/profile.d/cloudtik-hadoop.sh
    . "$ctx/profile.sh"
    "$ctx/cds-train.sh" /opt/cds
}

layer_main "system pyspark spark cds" "$@"
