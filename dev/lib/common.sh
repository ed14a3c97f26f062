# shellcheck shell=bash
# Helpers shared by the dev/ scripts. Source it after `set -euo pipefail`:
#   . "$(dirname "$0")/lib/common.sh"
# It defines CLOUDTIK_ROOT (the checkout the scripts belong to) and the functions below; it does
# not change the working directory.

CLOUDTIK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CLOUDTIK_ROOT
# Where dev tools and their downloads are cached between runs.
CLOUDTIK_CACHE="${CLOUDTIK_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cloudtik}"
SCRIPT_NAME="$(basename "$0")"

# Progress lines go to stderr, so stdout carries only results (paths, dry-run requests).
QUIET="${QUIET:-0}"
say() { [ "$QUIET" = 1 ] || printf '==> %s\n' "$*" >&2; }
note() { [ "$QUIET" = 1 ] || printf '    %s\n' "$*" >&2; }
warn() { printf '%s: warning: %s\n' "$SCRIPT_NAME" "$*" >&2; }
die() {
  printf '%s: error: %s\n' "$SCRIPT_NAME" "$1" >&2
  exit "${2:-1}"
}
# A usage problem: exit code 2 and a pointer to --help.
usage_error() {
  printf '%s: %s (see %s --help)\n' "$SCRIPT_NAME" "$1" "$SCRIPT_NAME" >&2
  exit 2
}

# The end of every script's option loop: --help prints the script's `usage`, anything else is an error.
help_or_unknown() {
  case "$1" in
    -h | --help)
      usage
      exit 0
      ;;
    *) usage_error "unknown option: $1" ;;
  esac
}

# The value of an option that takes one: `need_value --flag "$@"` fails when it is missing.
need_value() {
  if [ "$#" -lt 2 ] || [ -z "$2" ] || [ "${2#--}" != "$2" ]; then usage_error "$1 needs a value"; fi
}

# Prints a command the way a shell would read it, then runs it.
run() {
  [ "$QUIET" = 1 ] || {
    printf '    $'
    printf ' %q' "$@"
    printf '\n'
  } >&2
  "$@"
}

need_cmd() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is not installed${2:+ ($2)}"
}

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# Installs Debian packages that are missing (by package name), quietly.
apt_install() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get to install them"
  say "installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# `version` of a package.json file (read from stdin when the argument is -).
json_version() {
  local script='let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s).version;if(typeof v!=="string"||!v)process.exit(3);console.log(v)})'
  if [ "$1" = - ]; then node -e "$script"; else node -e "$script" <"$1"; fi
}

# The package version: the `version` of package.json, the one place it is kept.
package_version() { json_version "${1:-$CLOUDTIK_ROOT}/package.json"; }

# A semver-looking version (x.y.z with an optional -prerelease).
valid_version() { [[ "$1" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; }

# sha256 of a file, hex.
sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# A content fingerprint (names and bytes) of files and folders of this checkout, plus the Node version.
fingerprint() {
  (
    cd "$CLOUDTIK_ROOT" || exit 1
    find "$@" -type f -print0 2>/dev/null | LC_ALL=C sort -z | xargs -0 -r sha256sum
    node --version
  ) | sha256sum | cut -d' ' -f1
}

# What `npm run build` reads.
BUILD_INPUTS=(src scripts package.json package-lock.json tsconfig.json tsconfig.build.json)
build_fingerprint() { fingerprint "${BUILD_INPUTS[@]}"; }
# Kept out of dist/, which is packed.
BUILD_STAMP="node_modules/.cache/cloudtik/build-inputs"

# `npm run build` in this checkout unless dist/ was built from the same inputs.
build_package() {
  local fp
  fp="$(build_fingerprint)"
  # Trusted only when nothing in dist/ was written after it (a build by hand from other sources).
  if [ -f "$CLOUDTIK_ROOT/dist/bin/main.js" ] && [ "$(cat "$CLOUDTIK_ROOT/$BUILD_STAMP" 2>/dev/null)" = "$fp" ] &&
    [ -z "$(find "$CLOUDTIK_ROOT/dist" -newer "$CLOUDTIK_ROOT/$BUILD_STAMP" -print -quit)" ]; then
    note "the package is built and up to date"
    return 0
  fi
  say "building the package (npm run build)"
  (cd "$CLOUDTIK_ROOT" && npm run -s build >/dev/null)
  mkdir -p "$(dirname "$CLOUDTIK_ROOT/$BUILD_STAMP")"
  printf '%s\n' "$fp" >"$CLOUDTIK_ROOT/$BUILD_STAMP"
}

# A Python virtual environment under the tool cache with exactly these pip requirements:
#   ensure_venv NAME REQUIREMENT...   prints the venv folder.
# Installed once; reinstalled only when the requirement list changes.
ensure_venv() {
  local name="$1"
  shift
  local dir="$CLOUDTIK_CACHE/$name/venv" want
  want="$(printf '%s\n' "$@")"
  if [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.requirements" 2>/dev/null)" = "$want" ]; then
    echo "$dir"
    return 0
  fi
  command -v python3 >/dev/null 2>&1 || apt_install python3
  say "installing $* into $dir"
  rm -rf "$dir"
  mkdir -p "$(dirname "$dir")"
  if ! python3 -m venv "$dir" >/dev/null 2>&1; then
    rm -rf "$dir"
    apt_install python3-venv
    python3 -m venv "$dir" >/dev/null || die "python3 -m venv failed"
  fi
  "$dir/bin/python" -m pip install -q --disable-pip-version-check "$@" >&2 || {
    rm -rf "$dir"
    die "pip install $* failed"
  }
  printf '%s\n' "$want" >"$dir/.requirements"
  echo "$dir"
}

# The release tools' pinned versions (the AWS CLI for S3 uploads and CDN invalidation).
AWSCLI_REQUIREMENT="awscli==1.46.2"

# The AWS CLI to use: CLOUDTIK_AWS when set, else the pinned one in the tool cache (installed on first use).
aws_cli() {
  if [ -n "${CLOUDTIK_AWS:-}" ]; then
    echo "$CLOUDTIK_AWS"
    return 0
  fi
  local venv
  venv="$(ensure_venv release-tools "$AWSCLI_REQUIREMENT")"
  echo "$venv/bin/aws"
}

# Resolves a git ref in REPO to a commit, fetching it from REMOTE when it is only there:
#   resolve_ref REPO REMOTE REF   prints the commit.
resolve_ref() {
  local repo="$1" remote="$2" ref="$3" commit
  if commit="$(git -C "$repo" rev-parse -q --verify "refs/heads/$ref^{commit}" 2>/dev/null)"; then
    echo "$commit"
    return 0
  fi
  if git -C "$repo" remote get-url "$remote" >/dev/null 2>&1 &&
    git -C "$repo" fetch -q "$remote" "refs/heads/$ref" 2>/dev/null; then
    git -C "$repo" rev-parse "FETCH_HEAD^{commit}"
    return 0
  fi
  commit="$(git -C "$repo" rev-parse -q --verify "$ref^{commit}" 2>/dev/null)" || return 1
  echo "$commit"
}
