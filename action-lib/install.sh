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
# Cache: $RUNNER_TOOL_CACHE/mlsec/<version>/<target> (the runner's tool cache), or ~/.cache/mlsec;
# source builds: .../mlsec/source/<hash of the sources and profile>.
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
# Installed when the release (or the checkout) has them; `mlsec scan` skips a missing one with a
# hint, and the per-tool action of a missing one fails at its first step.
optional_tools=(model-scan)

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
  profile="${MLSEC_CARGO_PROFILE:-release}"
  # Jobs of one workflow run build the same sources: the binaries are kept in the tool cache under
  # a hash of the sources (Cargo.toml, Cargo.lock, crates/) and the profile, so later jobs (and
  # runs on the same runner) reuse them instead of building again.
  key=$(cd "$root" && { echo "$profile"; find Cargo.toml Cargo.lock crates -type f -not -path '*/target/*' -print0 |
    sort -z | xargs -0 sha256sum; } | sha256sum | cut -c1-16)
  built="$cache/source/$key"
  if [ -f "$built/.complete" ]; then
    echo "mlsec install: reusing the build of these sources ($key)"
    publish_dir "$built"
    exit 0
  fi
  command -v cargo >/dev/null || {
    echo "::error::mlsec install: building from source needs cargo (add a Rust toolchain step first)"
    exit 2
  }
  export CARGO_TARGET_DIR="${MLSEC_CARGO_TARGET_DIR:-$cache/source-target}"
  packages=()
  for t in "${tools[@]}"; do packages+=(-p "$t"); done
  echo "mlsec install: building from source ($profile) in $CARGO_TARGET_DIR"
  (cd "$root" && cargo build --locked --quiet --profile "$profile" "${packages[@]}")
  have=("${tools[@]}")
  for t in "${optional_tools[@]}"; do
    [ -f "$root/crates/$t/Cargo.toml" ] || continue
    if (cd "$root" && cargo build --locked --quiet --profile "$profile" -p "$t"); then
      have+=("$t")
    else
      echo "::warning::mlsec install: $t did not build; mlsec scan will list it as skipped"
    fi
  done
  out_profile=$profile
  [ "$profile" = dev ] && out_profile=debug
  tmp_built="$built.tmp.$$"
  rm -rf "$tmp_built" && mkdir -p "$tmp_built"
  # Only what built now (an optional tool that failed must not come from an earlier build).
  # Hard links when the cache is on the target dir's file system (no copy of ~80 MB debug builds).
  for t in "${have[@]}"; do
    cp -l "$CARGO_TARGET_DIR/$out_profile/$t" "$tmp_built/" 2>/dev/null || cp "$CARGO_TARGET_DIR/$out_profile/$t" "$tmp_built/"
  done
  touch "$tmp_built/.complete"
  # Atomic: $built only ever appears complete. A job that built the same sources at the same time
  # may have been first; its binaries are the same, so keep them.
  mkdir -p "$(dirname "$built")"
  mv -T "$tmp_built" "$built" 2>/dev/null || rm -rf "$tmp_built"
  # Keep the three newest source builds (other jobs may still use a recent one); drop the rest and
  # temp dirs that a killed job left behind more than an hour ago.
  find "$cache/source" -mindepth 1 -maxdepth 1 -type d -name '*.tmp.*' -mmin +60 -exec rm -rf {} + 2>/dev/null || true
  ls -1dt "$cache/source"/*/ 2>/dev/null | grep -v '\.tmp\.' | tail -n +4 | while IFS= read -r old; do rm -rf "$old"; done
  publish_dir "$built"
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
