#!/usr/bin/env bash
# Release step 5: create the GitHub release of a tag, with notes and the release artifacts,
# through GitHub's REST API.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"

GITHUB_API_VERSION="2022-11-28"

usage() {
  cat <<'EOF'
usage: dev/release-github.sh --tag v<version> [--github-repo OWNER/NAME] [--notes FILE]
                             [--assets DIR] [--repo DIR] [--draft] [--dry-run]

Creates the GitHub release "CloudTik <version>" for the tag, then uploads every file of the
assets folder (default: .release/<version>, what dev/release.sh built) to it. Requests:
  GET  {api}/repos/OWNER/NAME/git/ref/tags/TAG        the tag must be on GitHub
  GET  {api}/repos/OWNER/NAME/releases/tags/TAG       and have no release yet
  POST {api}/repos/OWNER/NAME/releases                JSON: tag_name, name, body, draft, prerelease
  POST {upload_url}?name=FILE                         one per asset, the file's bytes
A version with a pre-release part (1.2.0-rc.1) makes a pre-release.

  --tag TAG              the release tag, v<version>
  --github-repo O/N      the GitHub repository (env GITHUB_REPOSITORY; default: from the URL of
                         the origin remote of --repo)
  --notes FILE           the release notes (Markdown); default: the commit subjects since the
                         previous tag
  --assets DIR           the files to attach (default: .release/<version>)
  --repo DIR             the git checkout for the tag and the notes (default: this checkout)
  --draft                create a draft release
  --dry-run              print the exact requests (the token masked) and send none

Environment: GITHUB_TOKEN (a token allowed to write releases; not needed for --dry-run),
CLOUDTIK_GITHUB_API (default https://api.github.com), CLOUDTIK_GITHUB_UPLOADS (where --dry-run
shows uploads going; default https://uploads.github.com; a real run uses the upload_url GitHub
returns).
EOF
}

TAG=""
GH_REPO="${GITHUB_REPOSITORY:-}"
NOTES=""
ASSETS=""
REPO="$CLOUDTIK_ROOT"
DRAFT=false
DRY_RUN=0
while [ "$#" -gt 0 ]; do
  case "$1" in
    --tag | --github-repo | --notes | --assets | --repo)
      need_value "$@"
      case "$1" in
        --tag) TAG="$2" ;;
        --github-repo) GH_REPO="$2" ;;
        --notes) NOTES="$2" ;;
        --assets) ASSETS="$2" ;;
        --repo) REPO="$2" ;;
      esac
      shift
      ;;
    --draft) DRAFT=true ;;
    --dry-run) DRY_RUN=1 ;;
    *) help_or_unknown "$1" ;;
  esac
  shift
done
[ -n "$TAG" ] || usage_error "--tag v<version> is required"
version="${TAG#v}"
if [ "$TAG" != "v$version" ] || ! valid_version "$version"; then usage_error "--tag must be v<version>, like v1.2.3: $TAG"; fi
API="${CLOUDTIK_GITHUB_API:-https://api.github.com}"
API="${API%/}"
UPLOADS="${CLOUDTIK_GITHUB_UPLOADS:-https://uploads.github.com}"
UPLOADS="${UPLOADS%/}"

need_cmd git
need_cmd jq
need_cmd curl
git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1 || die "$REPO is not a git checkout"
g() { git -C "$REPO" "$@"; }
g rev-parse -q --verify "refs/tags/$TAG" >/dev/null || die "no tag $TAG in $REPO (dev/release-branch.sh creates and pushes it)"

if [ -z "$GH_REPO" ]; then
  url="$(g remote get-url origin 2>/dev/null)" || die "no --github-repo and no origin remote to take it from"
  # https://host/OWNER/NAME(.git) or git@host:OWNER/NAME(.git)
  if [[ "$url" =~ [:/]([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)/?$ ]]; then
    GH_REPO="${BASH_REMATCH[1]}/${BASH_REMATCH[2]%.git}"
  else
    die "cannot tell the GitHub repository from the origin URL $url (give --github-repo OWNER/NAME)"
  fi
fi
[[ "$GH_REPO" =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] || usage_error "--github-repo must be OWNER/NAME: $GH_REPO"

[ -n "$ASSETS" ] || ASSETS="$CLOUDTIK_ROOT/.release/$version"
[ -d "$ASSETS" ] || die "no assets folder $ASSETS (dev/release.sh builds it)"
assets=()
while IFS= read -r -d '' file; do assets+=("$file"); done < <(find "$ASSETS" -maxdepth 1 -type f ! -name '.*' -print0 | LC_ALL=C sort -z)
[ "${#assets[@]}" -gt 0 ] || die "the assets folder $ASSETS is empty"

work="$(mktemp -d "${TMPDIR:-/tmp}/cloudtik-github.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# The notes: a file, or the commits since the previous tag.
if [ -n "$NOTES" ]; then
  [ -f "$NOTES" ] || die "no notes file $NOTES"
  cp "$NOTES" "$work/notes.md"
else
  previous="$(g describe --tags --abbrev=0 "$TAG^" 2>/dev/null || true)"
  {
    if [ -n "$previous" ]; then
      printf '## Changes since %s\n\n' "$previous"
      g log --no-merges --format='- %s (%h)' "$previous..$TAG"
    else
      printf '## Changes\n\n'
      g log --no-merges --format='- %s (%h)' -n 200 "$TAG"
    fi
  } >"$work/notes.md"
fi

prerelease=false
[[ "$version" != *-* ]] || prerelease=true
jq -n --arg tag "$TAG" --arg name "CloudTik $version" --rawfile body "$work/notes.md" \
  --argjson draft "$DRAFT" --argjson prerelease "$prerelease" \
  '{tag_name: $tag, name: $name, body: $body, draft: $draft, prerelease: $prerelease}' >"$work/release.json"

if [ "$DRY_RUN" = 0 ]; then
  [ -n "${GITHUB_TOKEN:-}" ] || die "GITHUB_TOKEN is not set (a token allowed to write releases of $GH_REPO)"
  # Headers go to curl through a file, so the token never shows in the process list.
  umask 077
  printf 'Authorization: Bearer %s\n' "$GITHUB_TOKEN" >"$work/auth"
fi
HEADERS=("Accept: application/vnd.github+json" "X-GitHub-Api-Version: $GITHUB_API_VERSION" "User-Agent: cloudtik-release")

# request METHOD URL [BODY_FILE CONTENT_TYPE]: prints the request under --dry-run; else sends it,
# leaves the response in $work/response and its status in $STATUS.
STATUS=""
request() {
  local method="$1" url="$2" body="${3:-}" type="${4:-}"
  if [ "$DRY_RUN" = 1 ]; then
    printf '%s %s\n' "$method" "$url"
    printf '  %s\n' "${HEADERS[@]}" "Authorization: Bearer ***"
    if [ -n "$body" ]; then
      printf '  Content-Type: %s\n  Content-Length: %s\n' "$type" "$(stat -c %s "$body")"
      if [ "$type" = application/json ]; then
        jq . "$body" | sed 's/^/  /'
      else
        printf '  <%s bytes of %s>\n' "$(stat -c %s "$body")" "$body"
      fi
    fi
    echo
    return 0
  fi
  local args=(-sS -o "$work/response" -w '%{http_code}' -X "$method" -H "@$work/auth")
  local h
  for h in "${HEADERS[@]}"; do args+=(-H "$h"); done
  [ -z "$body" ] || args+=(-H "Content-Type: $type" --data-binary "@$body")
  STATUS="$(curl "${args[@]}" "$url")" || die "$method $url failed: no answer"
}
api_error() { jq -r '.message // empty' "$work/response" 2>/dev/null | head -n 1; }

base="$API/repos/$GH_REPO"
if [ "$DRY_RUN" = 1 ]; then
  say "GitHub release $TAG of $GH_REPO: dry run, the requests it would send"
else
  say "GitHub release $TAG of $GH_REPO at $API"
fi

# 1. The tag must be on GitHub (else GitHub would make one from the default branch).
request GET "$base/git/ref/tags/$TAG"
if [ "$DRY_RUN" = 0 ]; then
  [ "$STATUS" = 200 ] || die "the tag $TAG is not on GitHub ($STATUS $(api_error)); push it first (dev/release-branch.sh)"
fi

# 2. No release for it yet.
request GET "$base/releases/tags/$TAG"
if [ "$DRY_RUN" = 0 ]; then
  case "$STATUS" in
    404) ;;
    200) die "$TAG already has a release: $(jq -r '.html_url // .id' "$work/response")" ;;
    *) die "asking for the release of $TAG failed: $STATUS $(api_error)" ;;
  esac
fi

# 3. The release.
request POST "$base/releases" "$work/release.json" application/json
if [ "$DRY_RUN" = 0 ]; then
  [ "$STATUS" = 201 ] || die "creating the release failed: $STATUS $(api_error)"
  upload_url="$(jq -r '.upload_url // empty' "$work/response")"
  html_url="$(jq -r '.html_url // empty' "$work/response")"
  [ -n "$upload_url" ] || die "GitHub's answer has no upload_url"
  upload_url="${upload_url%%\{*}"
  note "created $html_url"
else
  upload_url="$UPLOADS/repos/$GH_REPO/releases/{release_id}/assets"
fi

# 4. The assets.
for file in "${assets[@]}"; do
  name="$(basename "$file")"
  case "$name" in
    *.tgz | *.tar.gz) type=application/gzip ;;
    *.sha256 | *.txt | *.md) type=text/plain ;;
    *.json) type=application/json ;;
    *) type=application/octet-stream ;;
  esac
  request POST "$upload_url?name=$(jq -rn --arg n "$name" '$n|@uri')" "$file" "$type"
  if [ "$DRY_RUN" = 0 ]; then
    [ "$STATUS" = 201 ] || die "uploading $name failed: $STATUS $(api_error) (the release exists now: delete it or upload by hand)"
    note "uploaded $name"
  fi
done

if [ "$DRY_RUN" = 1 ]; then
  say "dry run: nothing sent"
else
  say "done: $html_url"
  echo "$html_url"
fi
