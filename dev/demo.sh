#!/usr/bin/env bash
# Bring up the example virtual cluster (1 head + 3 workers) and run a command on every node.
set -euo pipefail
cd "$(dirname "$0")/.."
bash dev/setup-all.sh
cloudtik() { node bin/cloudtik.js "$@"; }
cloudtik workspace create examples/virtual/example-workspace.yaml
cloudtik start examples/virtual/example.yaml -y
cloudtik exec examples/virtual/example.yaml --all-nodes 'echo "$(hostname) ($CLOUDTIK_NODE_TYPE) has $(nproc) CPU(s), head at $CLOUDTIK_HEAD_IP"'
cloudtik status examples/virtual/example.yaml
echo
echo "Stop it with: node bin/cloudtik.js stop examples/virtual/example.yaml -y"
