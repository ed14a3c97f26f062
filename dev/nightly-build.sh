#!/usr/bin/env bash
# Build the package tarball of this checkout with a nightly version, for the dev loop: copied into
# a folder that a virtual cluster shares with its nodes, it is what `cloudtik_package_url` names.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"

usage() {
  cat <<'EOF'
usage: dev/nightly-build.sh [--copy DIR] [--out DIR] [--no-build] [--stamp STAMP]

Builds this checkout (npm run build, skipped when nothing changed) and packs it as
cloudtik-<version>-nightly.tgz. The package inside has the version <version>-nightly.<STAMP>
(STAMP defaults to the UTC time, yyyymmddHHMMSS), so `cloudtik --version` on a node tells
which build it runs; the file name stays the same from build to build, so a cluster config
naming it needs no edit.

  --copy DIR     also copy the tarball into DIR (for example the folder a cluster lists in
                 data_dirs; nodes see it as /cloudtik/data/<name of DIR>/)
  --out DIR      where the tarball is written (default: .release/nightly)
  --no-build     pack dist/ as it is
  --stamp STAMP  the nightly stamp (digits and dots)

The dev loop, with DIR=/home/ubuntu/share listed in data_dirs of the node types:
  cloudtik_package_url: file:///cloudtik/data/share/cloudtik-<version>-nightly.tgz
EOF
}

COPY_DIR=""
OUT_DIR="$CLOUDTIK_ROOT/.release/nightly"
BUILD=1
STAMP=""
while [ "$#" -gt 0 ]; do
  case "$1" in
    --copy)
      need_value "$@"
      COPY_DIR="$2"
      shift
      ;;
    --out)
      need_value "$@"
      OUT_DIR="$2"
      shift
      ;;
    --no-build) BUILD=0 ;;
    --stamp)
      need_value "$@"
      STAMP="$2"
      shift
      ;;
    *) help_or_unknown "$1" ;;
  esac
  shift
done
[ -n "$STAMP" ] || STAMP="$(date -u +%Y%m%d%H%M%S)"
[[ "$STAMP" =~ ^[0-9]+(\.[0-9A-Za-z]+)*$ ]] || usage_error "--stamp must be digits and dots: $STAMP"

need_cmd node
need_cmd npm
version="$(package_version "$CLOUDTIK_ROOT")"
nightly="$version-nightly.$STAMP"
name="cloudtik-$version-nightly.tgz"

if [ "$BUILD" = 1 ]; then
  build_package
fi
[ -f "$CLOUDTIK_ROOT/dist/bin/main.js" ] || die "dist/ is not built (run without --no-build, or npm run build)"

work="$(mktemp -d "${TMPDIR:-/tmp}/cloudtik-nightly.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Pack this checkout, set the nightly version in the packed package.json, pack that again:
# the working tree's package.json is never touched.
say "packing cloudtik $nightly"
(cd "$CLOUDTIK_ROOT" && npm pack --silent --ignore-scripts --pack-destination "$work" >/dev/null)
tar -xzf "$work/cloudtik-$version.tgz" -C "$work"
node -e '
  const fs = require("fs");
  const file = process.argv[1];
  const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
  pkg.version = process.argv[2];
  fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
' "$work/package/package.json" "$nightly"
mkdir -p "$work/out"
(cd "$work/package" && npm pack --silent --ignore-scripts --pack-destination "$work/out" >/dev/null)
packed="$work/out/cloudtik-$nightly.tgz"
[ -f "$packed" ] || die "npm pack did not write $packed"

mkdir -p "$OUT_DIR"
cp "$packed" "$OUT_DIR/.$name.tmp"
mv -f "$OUT_DIR/.$name.tmp" "$OUT_DIR/$name"
note "$OUT_DIR/$name ($(du -h "$OUT_DIR/$name" | cut -f1), sha256 $(sha256_of "$OUT_DIR/$name" | cut -c1-16)…)"

if [ -n "$COPY_DIR" ]; then
  mkdir -p "$COPY_DIR"
  # Copied under a temporary name and renamed, so a node never installs half a file.
  cp "$packed" "$COPY_DIR/.$name.tmp"
  mv -f "$COPY_DIR/.$name.tmp" "$COPY_DIR/$name"
  say "copied to $COPY_DIR/$name"
  note "in the cluster config (with $COPY_DIR in data_dirs):"
  note "  cloudtik_package_url: file:///cloudtik/data/$(basename "$COPY_DIR")/$name"
  echo "$COPY_DIR/$name"
else
  echo "$OUT_DIR/$name"
fi
