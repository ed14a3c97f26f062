"""Word count with PySpark on YARN: reads a text file (HDFS or local) and prints the top words.

Usage: cloudtik submit examples/virtual/example.yaml examples/jobs/wordcount.py <input> [top_n]
"""
import sys

from pyspark.sql import SparkSession

if len(sys.argv) < 2:
    sys.exit("usage: wordcount.py <input> [top_n]")
top_n = int(sys.argv[2]) if len(sys.argv) > 2 else 10

spark = SparkSession.builder.appName("wordcount").getOrCreate()
lines = spark.sparkContext.textFile(sys.argv[1])
counts = (
    lines.flatMap(lambda line: line.lower().split())
    .map(lambda word: (word.strip(".,;:!?\"'()"), 1))
    .filter(lambda pair: any(c.isalnum() for c in pair[0]))
    .reduceByKey(lambda a, b: a + b)
)
for word, n in counts.takeOrdered(top_n, key=lambda pair: (-pair[1], pair[0])):
    print(f"{n:6d}  {word}")
spark.stop()
