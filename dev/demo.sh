#!/usr/bin/env bash
# Bring up the example virtual cluster (1 head + 3 workers, with HDFS, YARN, Spark and Prometheus)
# and run a PySpark word count on it, reading its input from HDFS.
set -euo pipefail
cd "$(dirname "$0")/.."
bash dev/setup-all.sh
cloudtik() { node bin/cloudtik.js "$@"; }
CLUSTER=examples/virtual/example.yaml
cloudtik workspace create examples/virtual/example-workspace.yaml
cloudtik start "$CLUSTER" -y
# Some input in HDFS: this project's README.
cloudtik upload "$CLUSTER" README.md /tmp/demo-input.txt
cloudtik exec "$CLUSTER" 'hdfs dfs -mkdir -p /demo && hdfs dfs -put -f /tmp/demo-input.txt /demo/input.txt'
HEAD_IP=$(cloudtik head-ip "$CLUSTER")
cloudtik submit "$CLUSTER" examples/jobs/wordcount.py "hdfs://$HEAD_IP:9000/demo/input.txt" 10
cloudtik status "$CLUSTER"
echo
echo "Web UIs and more: node bin/cloudtik.js info $CLUSTER"
echo "Stop it with:     node bin/cloudtik.js stop $CLUSTER -y"
