# /etc/profile.d/cloudtik-hadoop.sh: what the hadoop layer's Dockerfile sets with ENV, for login
# shells on hosts installed without Docker.
export JAVA_HOME=/usr/lib/jvm/java-17
export HADOOP_HOME=/opt/hadoop
export HADOOP_CONF_DIR=/opt/hadoop/etc/hadoop
