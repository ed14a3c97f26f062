# /etc/profile.d/cloudtik-flink.sh: what the streaming layer's Dockerfile sets with ENV, for login
# shells on hosts installed without Docker.
export FLINK_HOME=/opt/flink
export FLINK_CONF_DIR=/opt/flink/conf
