# /etc/profile.d/cloudtik-base.sh: what the base layer's Dockerfile sets with ENV, for login shells
# on hosts installed without Docker. The CA bundle is the system store (with the CAs the host trusts).
export npm_config_cache=/var/cache/cloudtik-npm
export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
export SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
export REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
export PIP_CERT=/etc/ssl/certs/ca-certificates.crt
