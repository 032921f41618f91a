#!/usr/bin/env bash
# Runs the GitLab template's jobs for real with gitlab-ci-local (shell executor, each job in its own
# copy of the project, artifacts passed between jobs) on a copy of examples/titanic, and checks the
# report artifacts. Usage: gitlab-ci-local.sh WORKDIR BIN_DIR. Needs node (npx fetches Node 22 and
# gitlab-ci-local from the npm registry once), rsync, git, and bandit on PATH.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$1
bin=$2
proj="$work/project"
rm -rf "$proj" && mkdir -p "$proj"
cp -a "$root/examples/titanic/." "$proj/"
rm -rf "$proj/.github" "$proj/.gitlab-ci.yml"
cp "$root/.gitlab-ci-template.yml" "$proj/mlsec-template.yml"
cat >"$proj/.gitlab-ci.yml" <<'YML'
include:
  - local: mlsec-template.yml
    inputs:
      fail-on: high
YML
git -C "$proj" init -q -b main
git -C "$proj" add -A
git -C "$proj" -c user.email=ci@example.invalid -c user.name=ci commit -qm example
rc=0
# MLSEC_TRIVY_DISABLED: no Trivy here (the kill switch). MLSEC_SECRET_SCAN_ARGS=--no-ignore:
# gitlab-ci-local puts each job's copy under .gitlab-ci-local/, whose `.gitignore` says `*`, and
# secret-scan honours parent ignore files (a real checkout has no such parent).
(cd "$proj" && PATH="$bin:$PATH" npx --yes -p node@22 -p gitlab-ci-local@4.75.1 gitlab-ci-local \
  --force-shell-executor --shell-isolation \
  --variable MLSEC_TRIVY_DISABLED=true --variable MLSEC_SECRET_SCAN_ARGS=--no-ignore) >"$work/gitlab-ci-local.log" 2>&1 || rc=$?
cat "$work/gitlab-ci-local.log"
echo "gitlab-ci-local exit $rc"
