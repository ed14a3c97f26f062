# /etc/profile.d/cloudtik-spark.sh. The Spark settings are what the spark layer's Dockerfile sets with
# ENV, here for login shells on hosts installed without Docker.
export SPARK_HOME=/opt/spark
export SPARK_CONF_DIR=/opt/spark/conf
export PYSPARK_PYTHON=/opt/spark-venv/bin/python
# Login shells reset PATH (/etc/profile); put the Spark virtual environment (python with pyspark, pip) back first.
case ":$PATH:" in
  *:/opt/spark-venv/bin:*) ;;
  *) PATH="/opt/spark-venv/bin:$PATH" ;;
esac
export PATH
