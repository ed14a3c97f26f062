#!/usr/bin/env bash
# Snapshot the shape of CloudTik's command line (command paths, aliases, arguments, option names
# and kinds; no help text) from its published Python package, for the CLI parity test.
#   dev/cloudtik-cli-snapshot.sh [version]   (default 1.6.0) -> test/fixtures/cloudtik-<version>-cli.json
set -euo pipefail
version="${1:-1.6.0}"
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${CLOUDTIK_SNAPSHOT_VENV:-${TMPDIR:-/tmp}/cloudtik-cli-snapshot-$version}"
out="$root/test/fixtures/cloudtik-$version-cli.json"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip
fi
"$venv/bin/pip" install --quiet "cloudtik==$version"
"$venv/bin/python" "$root/dev/cli-snapshot/walk.py" cloudtik.scripts.scripts:cli "$version" >"$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out ($(grep -c '"path"' "$out") commands)"
