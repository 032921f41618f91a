#!/usr/bin/env bash
# Prints where a scanned directory is inside the repository (`examples/titanic`), or nothing when
# it is the repository root, a file, or outside the workspace. The tools report paths relative to
# the directory they scan; GitHub resolves annotation and code-scanning paths from the repository
# root, so the actions pass this to `mlsec scan/merge --path-prefix`.
# Usage: path-prefix.sh DIR (relative to the current directory). Root: $GITHUB_WORKSPACE, else $PWD.
set -euo pipefail
target=${1:-.}
[ -d "$target" ] || exit 0
rel=$(realpath --relative-to="${GITHUB_WORKSPACE:-$PWD}" "$target")
case "$rel" in
  . | .. | ../*) ;;
  *) printf '%s\n' "$rel" ;;
esac
