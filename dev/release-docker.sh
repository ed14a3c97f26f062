#!/usr/bin/env bash
# Release step 3: build the node images (parents first), tag them for the registries and push.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"

usage() {
  cat <<'EOF'
usage: dev/release-docker.sh (--release-all | --release-<image>...) [options]

The images are the node images this checkout's CLI builds (cloudtik image build --help lists
them), named here without "cloudtik/": debian, base, cloudtik, ... Builds every image the
selected ones need, parents first (cached by content hash), then tags the selected ones for
the registries and pushes them in dependency order. Images built at the package version are
released as the image tag; the OS image cloudtik/debian keeps its own tag (the Debian suite).

  --release-all           every node image (with --gpu: every one built on the CUDA image)
  --release-<image>       this image (repeatable), e.g. --release-cloudtik
  --image-tag TAG         the tag (default: the version in package.json)
  --gpu                   the GPU variant: cloudtik/base built on the CUDA image, tags TAG-gpu
  --cuda-image REF        the CUDA base image (env CLOUDTIK_CUDA_IMAGE; default
                          nvidia/cuda:12.4.1-base-ubuntu22.04); pulled when not in the engine
  --registry PREFIX       where images go, e.g. myhost:5000/team (env CLOUDTIK_DOCKER_REGISTRY;
                          default: none, i.e. Docker Hub's cloudtik/...)
  --region PRC            also tag and push to the PRC registry prefix
  --prc-registry PREFIX   that prefix (env CLOUDTIK_PRC_REGISTRY; needed with --region PRC)
  --tag-nightly           also tag and push nightly (nightly-gpu)
  --clean                 remove the registry tags from the local engine afterwards
  --no-build              use the images in the engine as they are
  --no-push               tag only
  --list                  print what would be pushed (LOCAL-IMAGE TARGET per line, in order)
                          and do nothing
EOF
}

SELECTED=()
ALL=0
TAG=""
GPU=0
CUDA_IMAGE="${CLOUDTIK_CUDA_IMAGE:-nvidia/cuda:12.4.1-base-ubuntu22.04}"
REGISTRY="${CLOUDTIK_DOCKER_REGISTRY:-}"
REGION=""
PRC_REGISTRY="${CLOUDTIK_PRC_REGISTRY:-}"
NIGHTLY=0
CLEAN=0
BUILD=1
PUSH=1
LIST=0
while [ "$#" -gt 0 ]; do
  case "$1" in
    --release-all) ALL=1 ;;
    --release-?*) SELECTED+=("${1#--release-}") ;;
    --image-tag | --cuda-image | --registry | --region | --prc-registry)
      need_value "$@"
      case "$1" in
        --image-tag) TAG="$2" ;;
        --cuda-image) CUDA_IMAGE="$2" ;;
        --registry) REGISTRY="$2" ;;
        --region) REGION="$2" ;;
        --prc-registry) PRC_REGISTRY="$2" ;;
      esac
      shift
      ;;
    --gpu) GPU=1 ;;
    --tag-nightly) NIGHTLY=1 ;;
    --clean) CLEAN=1 ;;
    --no-build) BUILD=0 ;;
    --no-push) PUSH=0 ;;
    --list) LIST=1 ;;
    *) help_or_unknown "$1" ;;
  esac
  shift
done
[ "$ALL" = 1 ] || [ "${#SELECTED[@]}" -gt 0 ] || usage_error "say which images: --release-all or --release-<image>"
case "$REGION" in
  "") ;;
  PRC | prc) [ -n "$PRC_REGISTRY" ] || usage_error "--region PRC needs --prc-registry PREFIX (or CLOUDTIK_PRC_REGISTRY)" ;;
  *) usage_error "unknown region $REGION (known: PRC)" ;;
esac
version="$(package_version "$CLOUDTIK_ROOT")"
[ -n "$TAG" ] || TAG="$version"
[[ "$TAG" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || usage_error "--image-tag $TAG is not a valid Docker tag"
REGISTRY="${REGISTRY%/}"
PRC_REGISTRY="${PRC_REGISTRY%/}"
VARIANT=""
SUFFIX=""
if [ "$GPU" = 1 ]; then
  VARIANT=gpu
  SUFFIX=-gpu
fi

need_cmd node
[ -f "$CLOUDTIK_ROOT/dist/bin/main.js" ] || die "the CLI is not built (run dev/setup-all.sh)"
CLI=(node "$CLOUDTIK_ROOT/bin/cloudtik.js")

# The catalog, from the CLI itself: "<short name> <local reference>" per image, parents first.
catalog="$(node --input-type=module -e '
  const { pathToFileURL } = await import("node:url");
  const images = await import(pathToFileURL(process.argv[1]).href);
  const variant = process.argv[2] || undefined;
  for (const name of images.NODE_IMAGE_NAMES) {
    const ref = images.imageRef(name, variant);
    // A variant only has the images built on its OS image.
    if (variant === undefined || ref !== images.imageRef(name)) console.log(name.replace(/^cloudtik\//, ""), ref);
  }
' "$CLOUDTIK_ROOT/dist/providers/virtual/images.js" "$VARIANT")" || die "cannot read the node images from the CLI in dist/"
known=()
declare -A LOCAL_REF=()
while read -r name ref; do
  known+=("$name")
  LOCAL_REF[$name]="$ref"
done <<<"$catalog"

# The selection, in catalog (dependency) order.
declare -A WANTED=()
for name in "${SELECTED[@]}"; do
  if [ -z "${LOCAL_REF[$name]:-}" ]; then
    if [ "$GPU" = 1 ] && [ "$name" = debian ]; then
      usage_error "the GPU variant has no debian image: it builds on $CUDA_IMAGE"
    fi
    usage_error "unknown image $name (images: ${known[*]})"
  fi
  WANTED[$name]=1
done
images=()
for name in "${known[@]}"; do
  if [ "$ALL" = 1 ] || [ -n "${WANTED[$name]:-}" ]; then images+=("$name"); fi
done

# The tags an image is released under: the image tag for images built at the package version,
# its own tag for the others (the OS image).
release_tags() {
  local ref="${LOCAL_REF[$1]}"
  case "${ref##*:}" in
    "$version$SUFFIX")
      echo "$TAG$SUFFIX"
      [ "$NIGHTLY" = 0 ] || echo "nightly$SUFFIX"
      ;;
    *) echo "${ref##*:}" ;;
  esac
}
prefixes=("$REGISTRY")
[ -z "$REGION" ] || prefixes+=("$PRC_REGISTRY")
plan=()
for name in "${images[@]}"; do
  while read -r tag; do
    for prefix in "${prefixes[@]}"; do plan+=("${LOCAL_REF[$name]} ${prefix:+$prefix/}cloudtik/$name:$tag"); done
  done < <(release_tags "$name")
done
if [ "$LIST" = 1 ]; then
  printf '%s\n' "${plan[@]}"
  exit 0
fi

need_cmd docker
timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || die "no Docker engine answers (run dev/setup-all.sh)"
if [ -n "$(git -C "$CLOUDTIK_ROOT" status --porcelain --untracked-files=no 2>/dev/null || true)" ]; then
  warn "the checkout has uncommitted changes: the images carry them"
fi

# 1. Build, parents first (the CLI builds whatever each image needs).
if [ "$BUILD" = 1 ]; then
  variant_args=()
  if [ "$GPU" = 1 ]; then
    if ! docker image inspect "$CUDA_IMAGE" >/dev/null 2>&1; then
      say "pulling the CUDA base image $CUDA_IMAGE"
      run docker pull -q "$CUDA_IMAGE" >/dev/null || die "cannot pull $CUDA_IMAGE (set --cuda-image to an image in the engine or in a reachable registry)"
    fi
    variant_args=(--os-image "$CUDA_IMAGE" --variant gpu)
    say "building the GPU node images on $CUDA_IMAGE"
  else
    say "building the node images"
  fi
  if [ "$ALL" = 1 ]; then
    run "${CLI[@]}" image build "${variant_args[@]}"
  else
    for name in "${images[@]}"; do run "${CLI[@]}" image build --image "cloudtik/$name" "${variant_args[@]}"; done
  fi
fi
for name in "${images[@]}"; do
  docker image inspect "${LOCAL_REF[$name]}" >/dev/null 2>&1 ||
    die "${LOCAL_REF[$name]} is not in the engine$([ "$BUILD" = 1 ] || echo ' (run without --no-build)')"
done

# 2. Tag, then 3. push, in dependency order.
added=()
for line in "${plan[@]}"; do
  src="${line%% *}"
  target="${line#* }"
  if [ "$target" != "$src" ]; then
    run docker tag "$src" "$target"
    added+=("$target")
  fi
  if [ "$PUSH" = 1 ]; then
    say "pushing $target"
    run docker push -q "$target" >/dev/null || die "pushing $target failed"
  else
    note "tagged $target (--no-push)"
  fi
  echo "$target"
done

if [ "$CLEAN" = 1 ] && [ "${#added[@]}" -gt 0 ]; then
  say "removing the ${#added[@]} registry tags from the engine"
  docker rmi "${added[@]}" >/dev/null
fi
if [ "$PUSH" = 1 ]; then
  say "done: pushed ${images[*]}$([ "$GPU" = 1 ] && echo ' (GPU)') as $TAG$SUFFIX"
  note "next: dev/release-npm.sh"
else
  say "done: tagged ${images[*]}, nothing pushed"
fi
