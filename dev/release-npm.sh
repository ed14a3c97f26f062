#!/usr/bin/env bash
# Release step 4: check the release tarball and publish it to the configured npm registry.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"

usage() {
  cat <<'EOF'
usage: dev/release-npm.sh [--tarball FILE | --version V] [--tag DIST_TAG] [--dry-run]

Publishes the tarball dev/release.sh built (default: .release/<version>/cloudtik-<version>.tgz,
version from package.json) to npm's configured registry (`npm config get registry`; set it
with npm_config_registry or an .npmrc). Checks first, and stops on any failure:
  - the tarball matches its .sha256 when there is one
  - its package.json names cloudtik at the expected version
  - it holds the CLI (bin/cloudtik.js, dist/bin/main.js, dist/bin/cli.cjs), the library (dist/index.js),
    the JSON schemas and the Dockerfiles, and no test files
  - the registry does not have this version yet
After publishing, the registry's integrity for the version must equal the tarball's.
Credentials are npm's own (npm login, or a token in .npmrc).

  --tarball FILE  the tarball to publish
  --version V     the version to publish from .release/V/ (default: package.json's)
  --tag DIST_TAG  the dist-tag (default: latest, or next for a pre-release version)
  --dry-run       run the checks and `npm publish --dry-run`, publish nothing
EOF
}

TARBALL=""
VERSION=""
DIST_TAG=""
DRY_RUN=0
while [ "$#" -gt 0 ]; do
  case "$1" in
    --tarball | --version | --tag)
      need_value "$@"
      case "$1" in
        --tarball) TARBALL="$2" ;;
        --version) VERSION="$2" ;;
        --tag) DIST_TAG="$2" ;;
      esac
      shift
      ;;
    --dry-run) DRY_RUN=1 ;;
    *) help_or_unknown "$1" ;;
  esac
  shift
done
[ -z "$TARBALL" ] || [ -z "$VERSION" ] || usage_error "give --tarball or --version, not both"

need_cmd npm
need_cmd node
need_cmd tar
if [ -z "$TARBALL" ]; then
  [ -n "$VERSION" ] || VERSION="$(package_version "$CLOUDTIK_ROOT")"
  TARBALL="$CLOUDTIK_ROOT/.release/$VERSION/cloudtik-$VERSION.tgz"
fi
[ -f "$TARBALL" ] || die "no tarball at $TARBALL (dev/release.sh --branch branch-<version> builds it)"

# 1. Checks.
say "checking $TARBALL"
if [ -f "$TARBALL.sha256" ]; then
  [ "$(sha256_of "$TARBALL")" = "$(cut -d' ' -f1 "$TARBALL.sha256")" ] || die "$TARBALL does not match $TARBALL.sha256"
  note "checksum matches $(basename "$TARBALL").sha256"
fi
manifest="$(tar -xzOf "$TARBALL" package/package.json 2>/dev/null)" || die "$TARBALL is not an npm package tarball"
read -r name version < <(node -e 'const p=JSON.parse(process.argv[1]);console.log(p.name, p.version)' "$manifest")
[ "$name" = cloudtik ] || die "the tarball holds the package $name, not cloudtik"
[ -z "$VERSION" ] || [ "$version" = "$VERSION" ] || die "the tarball holds version $version, not $VERSION"
valid_version "$version" || die "the tarball's version $version is not a release version"
listing="$(tar -tzf "$TARBALL")"
for file in bin/cloudtik.js dist/bin/main.js dist/bin/cli.cjs dist/index.js dist/config/schema/cluster.json \
  dist/config/schema/workspace.json docker/base/Dockerfile docker/cloudtik/Dockerfile; do
  grep -qx "package/$file" <<<"$listing" || die "the tarball lacks $file"
done
tests="$(grep -E '\.test\.(js|ts)$|^package/test/' <<<"$listing" || true)"
[ -z "$tests" ] || die "the tarball holds test files: $(head -n 3 <<<"$tests" | tr '\n' ' ')"
note "cloudtik $version, $(wc -l <<<"$listing") files, the CLI, library, schemas and Dockerfiles present"

registry="$(npm config get registry)"
say "registry: $registry"
errors="$(mktemp)"
trap 'rm -f "$errors"' EXIT
if published="$(npm view "cloudtik@$version" version --prefer-online 2>"$errors")"; then
  [ -z "$published" ] || die "cloudtik $version is already published on $registry"
elif ! grep -q E404 "$errors"; then
  die "cannot ask $registry about cloudtik: $(grep -v '^npm warn' "$errors" | tail -n 3)"
fi
note "cloudtik $version is not published yet"

if [ -z "$DIST_TAG" ]; then
  case "$version" in
    *-*) DIST_TAG=next ;;
    *) DIST_TAG=latest ;;
  esac
fi

# 2. Publish.
if [ "$DRY_RUN" = 1 ]; then
  say "npm publish --dry-run (dist-tag $DIST_TAG)"
  run npm publish "$TARBALL" --tag "$DIST_TAG" --dry-run --loglevel=warn >&2
  say "dry run: nothing published"
  exit 0
fi
say "publishing cloudtik $version (dist-tag $DIST_TAG)"
run npm publish "$TARBALL" --tag "$DIST_TAG" --loglevel=warn >&2 || die "npm publish failed"

# 3. What the registry now serves must be this tarball.
want="$(node -e '
  const c=require("crypto"),fs=require("fs");
  console.log("sha512-"+c.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"));
' "$TARBALL")"
got="$(npm view "cloudtik@$version" dist.integrity --prefer-online 2>/dev/null || true)"
[ "$got" = "$want" ] || die "the registry's integrity for cloudtik $version is '$got', expected $want"
say "done: cloudtik $version is on $registry (dist-tag $DIST_TAG)"
note "next: dev/release-github.sh --tag v$version"
echo "cloudtik@$version"
