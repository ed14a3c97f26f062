/**
 * The partitioned Parquet table the SQL stack's tests make with PySpark and read back through the
 * metastore (sql.it.test.ts with Spark and Trino, presto.it.test.ts with Presto): its jobs and the
 * count and sums every reader must find.
 */

/** A PySpark job: creates sqltest.sales (100 rows, partitioned by region) and prints CREATED. */
export const CREATE_TABLE_JOB = `from pyspark.sql import SparkSession
spark = SparkSession.builder.appName("sql-create").getOrCreate()
spark.sql("CREATE DATABASE IF NOT EXISTS sqltest")
spark.sql("DROP TABLE IF EXISTS sqltest.sales")
spark.sql("CREATE TABLE sqltest.sales (id INT, amount BIGINT, region STRING) USING parquet PARTITIONED BY (region)")
rows = [(i, i * 10, ["east", "west", "north"][i % 3]) for i in range(1, 101)]
spark.createDataFrame(rows, "id INT, amount BIGINT, region STRING").write.insertInto("sqltest.sales")
print("CREATED")
spark.stop()
`;

// 100 rows: amounts 10..1000; region by id % 3 (0 east, 1 west, 2 north).
export const sumOf = (pred: (i: number) => boolean): number =>
  Array.from({ length: 100 }, (_, k) => k + 1)
    .filter(pred)
    .reduce((a, i) => a + i * 10, 0);

/** The same table through a query engine's CLI (Trino's or Presto's), rows as tab-separated lines. */
export const ENGINE_QUERIES = {
  totals: 'SELECT count(*), sum(amount), count(DISTINCT region) FROM hive.sqltest.sales',
  regions: 'SELECT region, sum(amount) FROM hive.sqltest.sales GROUP BY region ORDER BY region',
  activeWorkers: "SELECT count(*) FROM system.runtime.nodes WHERE coordinator = false AND state = 'active'",
};
export const ENGINE_EXPECTED = {
  totals: '100\t50500\t3',
  regions: `east\t${sumOf((i) => i % 3 === 0)}\nnorth\t${sumOf((i) => i % 3 === 2)}\nwest\t${sumOf((i) => i % 3 === 1)}`,
};
