# Shared by the lock.sh scripts of the image folders (sourced, not run). Each lock.sh writes its
# folder's downloads.lock: one "<sha256> <path in the build context> <source>" line per file, so
# that `cloudtik image build` downloads exactly these files and checks every byte.

# Maven's central repository: CLOUDTIK_MAVEN_REPO, else the one the installed Maven's super-POM names.
maven_repo() {
  if [ -n "${CLOUDTIK_MAVEN_REPO:-}" ]; then
    echo "$CLOUDTIK_MAVEN_REPO"
    return
  fi
  local home jar
  home="$(dirname "$(dirname "$(readlink -f "$(command -v mvn)")")")"
  jar="$(ls "$home"/lib/maven-model-builder*.jar | head -n 1)"
  python3 - "$jar" <<'PY'
import re, sys, zipfile
pom = zipfile.ZipFile(sys.argv[1]).read("org/apache/maven/model/pom-4.0.0.xml").decode()
print(re.search(r"<repositories>.*?<url>\s*(\S+?)\s*</url>", pom, re.S).group(1))
PY
}

# pip's package index: PIP_INDEX_URL, else pip's own default.
pypi_index() {
  echo "${PIP_INDEX_URL:-$(python3 -c 'from pip._internal.models.index import PyPI; print(PyPI.simple_url)')}"
}

# pypi_url <index> <project> <file>: the download URL of one file of a project, from the simple
# index (its #sha256= fragment dropped).
pypi_url() {
  local url
  url="$(curl -fsSL "$1/$2/" | grep -o "href=\"[^\"]*/$3#sha256=[0-9a-f]*\"" | head -n 1 | sed 's/^href="//; s/#.*//')"
  [ -n "$url" ] || { echo "lock.sh: $3 is not in $1/$2/" >&2; exit 1; }
  echo "$url"
}

# lock_entry <scratch folder> <context path> <download URL> <source written into the lock>
lock_entry() {
  local file="$1/${2##*/}"
  curl -fsSL -o "$file" "$3"
  printf '%s %s %s\n' "$(sha256sum "$file" | cut -d' ' -f1)" "$2" "$4"
}

# lock_pom <folder> <header line>: resolve the runtime dependencies of <folder>/pom.xml with Maven
# and write <folder>/downloads.lock listing every jar as "jars/<file> maven:<repository path>"
# (test jars as test-jars/<file>: they are not for the classpath). Maven's repository layout keeps
# group/artifact/version in the path, which is the path under the repository's URL.
lock_pom() {
  local here="$1" header="$2" tmp dups rel dir
  command -v mvn >/dev/null || { echo "lock.sh: mvn is not on the PATH (apt-get install maven)" >&2; exit 1; }
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  mvn -q -B -Dstyle.color=never -f "$here/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -Dmdep.useRepositoryLayout=true -DoutputDirectory="$tmp/repo"
  dups="$(cd "$tmp/repo" && find . -name '*.jar' -printf '%f\n' | sort | uniq -d)"
  [ -z "$dups" ] || { echo "lock.sh: two artifacts share a file name: $dups" >&2; exit 1; }
  {
    echo "$header"
    echo "# pom.xml $(sha256sum "$here/pom.xml" | cut -d' ' -f1)"
    (cd "$tmp/repo" && find . -name '*.jar' | sed 's|^\./||' | LC_ALL=C sort) | while read -r rel; do
      case "$rel" in *-tests.jar) dir=test-jars ;; *) dir=jars ;; esac
      printf '%s %s/%s maven:%s\n' "$(sha256sum "$tmp/repo/$rel" | cut -d' ' -f1)" "$dir" "${rel##*/}" "$rel"
    done
  } >"$tmp/downloads.lock"
  mv "$tmp/downloads.lock" "$here/downloads.lock"
  echo "wrote $here/downloads.lock: $(grep -vc '^#' "$here/downloads.lock") jars, $(du -sh "$tmp/repo" | cut -f1)"
}
