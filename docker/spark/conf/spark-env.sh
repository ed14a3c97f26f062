#!/usr/bin/env bash
# Read by Spark's scripts (spark-submit, start-history-server.sh, ...) before they start Java.
# Logs and pid files of Spark daemons (the history server) go below the user's home, as Hadoop's do.
export SPARK_LOG_DIR="${SPARK_LOG_DIR:-$HOME/runtime/spark/logs}"
export SPARK_PID_DIR="${SPARK_PID_DIR:-$HOME/runtime/spark/pids}"
# Names the daemon log and pid files (docker exec sets no USER).
export SPARK_IDENT_STRING="${SPARK_IDENT_STRING:-${USER:-$(id -un)}}"
# Every node has the same pyspark: YARN containers use the image's copies instead of an upload per job.
export PYSPARK_ARCHIVES_PATH="${PYSPARK_ARCHIVES_PATH:-$(printf 'local:%s,' "$SPARK_HOME"/python/lib/*.zip | sed 's/,$//')}"
