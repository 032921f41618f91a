#!/usr/bin/env bash
# Installs the mlsec binaries for the GitHub composite actions and puts them on PATH.
#
# Inputs (environment; the actions pass their inputs only this way):
#   MLSEC_VERSION            release to install (default: action-lib/release.env)
#   MLSEC_BUILD_FROM_SOURCE  auto | true | false (default auto: download when checksums.sha256 has
#                            this version and platform, else build when the action runs from a
#                            checkout of the mlsec repository)
#   MLSEC_CARGO_PROFILE      release (default) or dev, for source builds
#   MLSEC_CARGO_TARGET_DIR   cargo's target dir for source builds (cached between runs)
# Cache: $RUNNER_TOOL_CACHE/mlsec/<version>/<target> (the runner's tool cache), or ~/.cache/mlsec.
# Writes `bin-dir=` to $GITHUB_OUTPUT and the directory to $GITHUB_PATH.
set -euo pipefail
lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$lib")
# shellcheck source=release.env
source "$lib/release.env"
version="${MLSEC_VERSION:-$MLSEC_RELEASE_VERSION}"
mode="${MLSEC_BUILD_FROM_SOURCE:-auto}"
cache="${RUNNER_TOOL_CACHE:-$HOME/.cache}/mlsec"
tools=(mlsec secret-scan sbom bandit-wrapper trivy-wrapper fairness-gate model-sign)

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) target=x86_64-unknown-linux-gnu ;;
  Linux-aarch64 | Linux-arm64) target=aarch64-unknown-linux-gnu ;;
  Darwin-x86_64) target=x86_64-apple-darwin ;;
  Darwin-arm64) target=aarch64-apple-darwin ;;
  *) target=unsupported ;;
esac
archive="mlsec-$version-$target.tar.gz"

publish_dir() {
  local dir=$1
  for t in "${tools[@]}"; do
    [ -x "$dir/$t" ] || { echo "::error::mlsec install: $dir/$t is missing"; exit 2; }
  done
  [ -n "${GITHUB_PATH:-}" ] && echo "$dir" >>"$GITHUB_PATH"
  [ -n "${GITHUB_OUTPUT:-}" ] && echo "bin-dir=$dir" >>"$GITHUB_OUTPUT"
  echo "mlsec install: $("$dir/mlsec" --version) in $dir"
}

checksum=$(grep -E "^[0-9a-f]{64}  $archive\$" "$lib/checksums.sha256" | cut -d' ' -f1 || true)
is_checkout=false
[ -f "$root/Cargo.toml" ] && [ -d "$root/crates/mlsec" ] && is_checkout=true

if [ "$mode" = true ] || { [ "$mode" = auto ] && [ -z "$checksum" ] && $is_checkout; }; then
  $is_checkout || { echo "::error::mlsec install: build-from-source needs a checkout of the mlsec repository at $root"; exit 2; }
  command -v cargo >/dev/null || {
    echo "::error::mlsec install: building from source needs cargo (add a Rust toolchain step first)"
    exit 2
  }
  profile="${MLSEC_CARGO_PROFILE:-release}"
  export CARGO_TARGET_DIR="${MLSEC_CARGO_TARGET_DIR:-$cache/source-target}"
  packages=()
  for t in "${tools[@]}"; do packages+=(-p "$t"); done
  echo "mlsec install: building from source ($profile) in $CARGO_TARGET_DIR"
  (cd "$root" && cargo build --locked --quiet --profile "$profile" "${packages[@]}")
  [ "$profile" = dev ] && profile=debug
  publish_dir "$CARGO_TARGET_DIR/$profile"
  exit 0
fi

if [ -z "$checksum" ]; then
  echo "::error::mlsec install: no checksum for $archive in action-lib/checksums.sha256 (version $version, platform $target)"
  echo "hint: use a released mlsec action (its table is stamped), or run the action from a checkout with build-from-source: true"
  exit 2
fi
dest="$cache/$version/$target"
if [ ! -f "$dest/.complete" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  url="https://github.com/$MLSEC_RELEASE_REPO/releases/download/v$version/$archive"
  echo "mlsec install: downloading $url"
  curl --fail --silent --show-error --location --retry 3 --output "$tmp/$archive" "$url"
  (cd "$tmp" && echo "$checksum  $archive" | sha256sum --check --strict --quiet) || {
    echo "::error::mlsec install: checksum mismatch for $archive"
    exit 2
  }
  mkdir -p "$dest"
  tar -xzf "$tmp/$archive" -C "$dest" --strip-components=1
  touch "$dest/.complete"
fi
publish_dir "$dest"
