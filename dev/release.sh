#!/usr/bin/env bash
# Release step 2: build the release artifacts from the release branch and upload them to an
# S3-compatible bucket (the backup download location); optionally invalidate a CDN path.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"

usage() {
  cat <<'EOF'
usage: dev/release.sh --branch branch-<version> [--no-push] [options]

Builds the release artifacts from a clean export of the branch (npm ci, npm run build,
npm pack) into OUT (default: .release/<version>):
  cloudtik-<version>.tgz          the npm package
  cloudtik-<version>.tgz.sha256   its checksum (sha256sum format)
Artifacts already built from the same commit are reused (--rebuild builds them anew). Then
uploads both to s3://BUCKET/PREFIX/ and, when a CDN distribution is given, invalidates
/PREFIX/* there.

  --branch NAME            the release branch, named branch-<version of its package.json>
  --repo DIR               the git checkout holding it (default: this checkout); a branch
                           only on the remote is fetched from there
  --remote NAME            that remote (default: origin)
  --out DIR                where the artifacts go (default: .release/<version>)
  --rebuild                build even when OUT holds artifacts of the same commit
  --no-push                build only: no upload, no invalidation
  --endpoint URL           S3 endpoint      (env CLOUDTIK_S3_ENDPOINT; default: AWS)
  --bucket NAME            bucket           (env CLOUDTIK_S3_BUCKET; default: cloudtik)
  --prefix PATH            key prefix       (env CLOUDTIK_S3_PREFIX; default: downloads/cloudtik)
  --cdn-distribution ID    CloudFront distribution to invalidate (env CLOUDTIK_CDN_DISTRIBUTION;
                           default: none, the step is skipped)
  --cdn-endpoint URL       its API endpoint (env CLOUDTIK_CDN_ENDPOINT; default: AWS)

Credentials come the AWS CLI's usual way (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile,
...). The AWS CLI is CLOUDTIK_AWS when set, else a pinned awscli installed once into
~/.cache/cloudtik/release-tools.
EOF
}

BRANCH=""
REPO="$CLOUDTIK_ROOT"
REMOTE="origin"
OUT=""
REBUILD=0
PUSH=1
ENDPOINT="${CLOUDTIK_S3_ENDPOINT:-}"
BUCKET="${CLOUDTIK_S3_BUCKET:-cloudtik}"
PREFIX="${CLOUDTIK_S3_PREFIX:-downloads/cloudtik}"
CDN_ID="${CLOUDTIK_CDN_DISTRIBUTION:-}"
CDN_ENDPOINT="${CLOUDTIK_CDN_ENDPOINT:-}"
while [ "$#" -gt 0 ]; do
  case "$1" in
    --branch | --repo | --remote | --out | --endpoint | --bucket | --prefix | --cdn-distribution | --cdn-endpoint)
      need_value "$@"
      case "$1" in
        --branch) BRANCH="$2" ;;
        --repo) REPO="$2" ;;
        --remote) REMOTE="$2" ;;
        --out) OUT="$2" ;;
        --endpoint) ENDPOINT="$2" ;;
        --bucket) BUCKET="$2" ;;
        --prefix) PREFIX="$2" ;;
        --cdn-distribution) CDN_ID="$2" ;;
        --cdn-endpoint) CDN_ENDPOINT="$2" ;;
      esac
      shift
      ;;
    --rebuild) REBUILD=1 ;;
    --no-push) PUSH=0 ;;
    *) help_or_unknown "$1" ;;
  esac
  shift
done
[ -n "$BRANCH" ] || usage_error "--branch branch-<version> is required"
PREFIX="${PREFIX#/}"
PREFIX="${PREFIX%/}"
[ -n "$BUCKET" ] || usage_error "the bucket name is empty"

need_cmd git
need_cmd node
need_cmd npm
git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1 || die "$REPO is not a git checkout"
commit="$(resolve_ref "$REPO" "$REMOTE" "$BRANCH")" || die "no branch $BRANCH in $REPO or on $REMOTE (dev/release-branch.sh creates it)"
version="$(git -C "$REPO" show "$commit:package.json" | json_version -)" || die "cannot read the version from package.json of $BRANCH"
[ "$BRANCH" = "branch-$version" ] || die "$BRANCH holds version $version: the release branch of $version is branch-$version"
[ -n "$OUT" ] || OUT="$CLOUDTIK_ROOT/.release/$version"
tarball="cloudtik-$version.tgz"
say "release $version from $BRANCH ($(git -C "$REPO" log -1 --format='%h %s' "$commit"))"

# 1. The artifacts.
if [ "$REBUILD" = 0 ] && [ -f "$OUT/$tarball" ] && [ -f "$OUT/$tarball.sha256" ] &&
  [ "$(cat "$OUT/.commit" 2>/dev/null)" = "$commit" ] &&
  (cd "$OUT" && sha256sum --quiet -c "$tarball.sha256" >/dev/null 2>&1); then
  say "artifacts of $(git -C "$REPO" rev-parse --short "$commit") are already in $OUT"
else
  work="$(mktemp -d "${TMPDIR:-/tmp}/cloudtik-release.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  say "exporting $BRANCH into $work"
  git -C "$REPO" archive --format=tar "$commit" | tar -x -C "$work"
  say "installing dependencies (npm ci)"
  (cd "$work" && npm ci --no-audit --no-fund --prefer-offline --loglevel=error >/dev/null) ||
    die "npm ci failed in the export of $BRANCH"
  say "building (npm run build)"
  (cd "$work" && npm run -s build >/dev/null) || die "npm run build failed in the export of $BRANCH"
  say "packing $tarball"
  mkdir -p "$work/out"
  (cd "$work" && npm pack --silent --ignore-scripts --pack-destination "$work/out" >/dev/null)
  [ -f "$work/out/$tarball" ] || die "npm pack did not write $tarball"
  packed_version="$(tar -xzOf "$work/out/$tarball" package/package.json | json_version -)"
  [ "$packed_version" = "$version" ] || die "the packed package says version $packed_version, not $version"
  (cd "$work/out" && sha256sum "$tarball" >"$tarball.sha256")
  mkdir -p "$OUT"
  rm -f "$OUT/.commit"
  cp "$work/out/$tarball" "$work/out/$tarball.sha256" "$OUT/"
  printf '%s\n' "$commit" >"$OUT/.commit"
fi
note "$OUT/$tarball ($(du -h "$OUT/$tarball" | cut -f1))"
note "$OUT/$tarball.sha256 ($(cut -c1-16 "$OUT/$tarball.sha256")…)"

if [ "$PUSH" = 0 ]; then
  say "--no-push: artifacts built, nothing uploaded"
  echo "$OUT"
  exit 0
fi

# 2. Upload.
AWS="$(aws_cli)"
[ -n "${AWS_DEFAULT_REGION:-}${AWS_REGION:-}" ] || [ -n "$("$AWS" configure get region 2>/dev/null || true)" ] ||
  export AWS_DEFAULT_REGION=us-east-1
s3=("$AWS")
[ -z "$ENDPOINT" ] || s3+=(--endpoint-url "$ENDPOINT")
dest="s3://$BUCKET/${PREFIX:+$PREFIX/}"
say "uploading to $dest${ENDPOINT:+ at $ENDPOINT}"
for file in "$tarball" "$tarball.sha256"; do
  run "${s3[@]}" s3 cp --only-show-errors "$OUT/$file" "$dest$file" || die "uploading $file failed"
done

# 3. CDN invalidation (optional).
if [ -n "$CDN_ID" ]; then
  path="/${PREFIX:+$PREFIX/}*"
  say "invalidating $path on CDN distribution $CDN_ID"
  cdn=("$AWS")
  [ -z "$CDN_ENDPOINT" ] || cdn+=(--endpoint-url "$CDN_ENDPOINT")
  run "${cdn[@]}" cloudfront create-invalidation --distribution-id "$CDN_ID" --paths "$path" \
    --query Invalidation.Id --output text >&2 || die "the CDN invalidation failed (the upload itself succeeded)"
else
  note "no CDN distribution given: no invalidation"
fi
say "done: $version is in $dest"
note "next: dev/release-docker.sh --release-all --image-tag $version"
echo "$OUT"
