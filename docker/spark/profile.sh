# Login shells reset PATH (/etc/profile); put the Spark virtual environment (python with pyspark, pip) back first.
case ":$PATH:" in
  *:/opt/spark-venv/bin:*) ;;
  *) PATH="/opt/spark-venv/bin:$PATH" ;;
esac
export PATH
