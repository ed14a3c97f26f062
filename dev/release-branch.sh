#!/usr/bin/env bash
# Release step 1: create the release branch `branch-<version>` and the annotated tag `v<version>`
# from the base branch and push both to the remote; --revert deletes them again.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"

usage() {
  cat <<'EOF'
usage: dev/release-branch.sh [--branch main] [--remote origin] [--repo DIR] [--revert [--version V]]

Reads the version from package.json of the base branch (the one place it is kept), then
creates branch-<version> and the annotated tag v<version> on the tip of the base branch and
pushes both to the remote in one atomic push. git asks for credentials only when the remote
needs them. Stops without changing anything when either already exists.

  --branch NAME  the base branch (default: main); when the remote has it too, the local
                 branch must be at the same commit (pull or push first)
  --remote NAME  the remote to push to (default: origin)
  --repo DIR     the git checkout to release from (default: this checkout)
  --revert       delete branch-<version> and v<version>, on the remote and locally
  --version V    with --revert: the version to delete (default: from package.json)
EOF
}

BASE="main"
REMOTE="origin"
REPO="$CLOUDTIK_ROOT"
REVERT=0
VERSION=""
while [ "$#" -gt 0 ]; do
  case "$1" in
    --branch)
      need_value "$@"
      BASE="$2"
      shift
      ;;
    --remote)
      need_value "$@"
      REMOTE="$2"
      shift
      ;;
    --repo)
      need_value "$@"
      REPO="$2"
      shift
      ;;
    --revert) REVERT=1 ;;
    --version)
      need_value "$@"
      VERSION="$2"
      shift
      ;;
    *) help_or_unknown "$1" ;;
  esac
  shift
done
[ -z "$VERSION" ] || [ "$REVERT" = 1 ] || usage_error "--version goes with --revert (a new release takes the version from package.json)"

need_cmd git
need_cmd node
git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1 || die "$REPO is not a git checkout"
git -C "$REPO" remote get-url "$REMOTE" >/dev/null 2>&1 || die "the checkout has no remote named $REMOTE (see git remote -v)"
g() { git -C "$REPO" "$@"; }

# The base commit: the local branch, which must agree with the remote's when the remote has it.
say "reading $BASE (remote $REMOTE: $(g remote get-url "$REMOTE"))"
remote_base=""
if remote_line="$(g ls-remote --heads "$REMOTE" "refs/heads/$BASE")" && [ -n "$remote_line" ]; then
  remote_base="${remote_line%%[[:space:]]*}"
fi
if base_commit="$(g rev-parse -q --verify "refs/heads/$BASE^{commit}")"; then
  if [ -n "$remote_base" ] && [ "$remote_base" != "$base_commit" ] && [ "$REVERT" = 0 ]; then
    die "local $BASE ($(g rev-parse --short "$base_commit")) differs from $BASE on $REMOTE (${remote_base:0:7}): pull or push first"
  fi
elif [ -n "$remote_base" ]; then
  g fetch -q "$REMOTE" "refs/heads/$BASE"
  base_commit="$(g rev-parse "FETCH_HEAD^{commit}")"
else
  die "no branch $BASE, neither locally nor on $REMOTE"
fi

if [ -z "$VERSION" ]; then
  VERSION="$(g show "$base_commit:package.json" | json_version -)" ||
    die "cannot read the version from package.json of $BASE"
fi
valid_version "$VERSION" || die "package.json of $BASE has no usable version ($VERSION)"
branch="branch-$VERSION"
tag="v$VERSION"

on_remote() { [ -n "$(g ls-remote "$REMOTE" "$1")" ]; }
local_branch() { g rev-parse -q --verify "refs/heads/$branch" >/dev/null; }
local_tag() { g rev-parse -q --verify "refs/tags/$tag" >/dev/null; }

if [ "$REVERT" = 1 ]; then
  say "deleting $branch and $tag"
  gone=()
  for ref in "refs/heads/$branch" "refs/tags/$tag"; do
    if on_remote "$ref"; then gone+=(":$ref"); fi
  done
  if [ "${#gone[@]}" -gt 0 ]; then
    run git -C "$REPO" push --atomic "$REMOTE" "${gone[@]}"
  else
    note "neither is on $REMOTE"
  fi
  if local_branch; then
    [ "$(g symbolic-ref -q --short HEAD || true)" != "$branch" ] || die "$branch is checked out in $REPO: switch to another branch first"
    run git -C "$REPO" branch -q -D "$branch"
  fi
  if local_tag; then run git -C "$REPO" tag -d "$tag" >/dev/null; fi
  say "reverted: $branch and $tag are gone from $REMOTE and from the checkout"
  exit 0
fi

# Nothing is created when anything is in the way.
taken=()
local_branch && taken+=("branch $branch (local)")
local_tag && taken+=("tag $tag (local)")
on_remote "refs/heads/$branch" && taken+=("branch $branch on $REMOTE")
on_remote "refs/tags/$tag" && taken+=("tag $tag on $REMOTE")
if [ "${#taken[@]}" -gt 0 ]; then
  die "$(printf '%s, ' "${taken[@]}")already there: release $VERSION was started before (dev/release-branch.sh --revert deletes it)"
fi
if [ -z "$(g config user.name || true)" ] || [ -z "$(g config user.email || true)" ]; then
  die "git needs user.name and user.email for the annotated tag (git config --global user.name ...)"
fi

say "creating $branch and $tag at $(g log -1 --format='%h %s' "$base_commit")"
run git -C "$REPO" branch -q "$branch" "$base_commit"
if ! run git -C "$REPO" tag -a "$tag" -m "CloudTik $VERSION" "$base_commit"; then
  g branch -q -D "$branch"
  die "creating the tag $tag failed"
fi
say "pushing $branch and $tag to $REMOTE"
if ! run git -C "$REPO" push --atomic "$REMOTE" "refs/heads/$branch:refs/heads/$branch" "refs/tags/$tag:refs/tags/$tag"; then
  g branch -q -D "$branch"
  g tag -d "$tag" >/dev/null
  die "pushing to $REMOTE failed; the local branch and tag were removed again, so the step can be rerun"
fi
say "done: $branch and $tag are on $REMOTE"
note "next: dev/release.sh --branch $branch"
echo "$tag"
