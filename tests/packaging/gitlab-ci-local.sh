#!/usr/bin/env bash
# Runs the example's own GitLab pipeline (examples/titanic/.gitlab-ci.yml, unchanged) for real with
# gitlab-ci-local (shell executor, each job in its own copy of the project, artifacts passed between
# jobs), in a git repository holding a copy of the example. Its `include: project: mlsec-dev/mlsec,
# ref: v1, file: .gitlab-ci-template.yml` is served from this checkout: gitlab-ci-local reads
# project includes from .gitlab-ci-local/includes/<host>/<project>/<ref>/ before fetching them,
# and the test puts this checkout's template there.
# Usage: gitlab-ci-local.sh WORKDIR BIN_DIR [SCENARIO]
#   push   (default) the example as it is, on main: the template's jobs, then mlsec-report fails
#          the pipeline (the planted secrets), so the later stages do not run
#   fixed  after the team fixed the findings (planted secrets removed, balanced predictions): the
#          gates pass, sign-model signs, and the manual deploy job runs only when started
#          (`--manual deploy`), verifying the signature first; mlsec-trivy is switched off by
#          its kill switch (MLSEC_TRIVY_DISABLED)
#   fixed-unapproved  the same without starting deploy: everything but deploy runs
# Needs node (npx fetches Node 22 and gitlab-ci-local from the npm registry once), rsync, git,
# openssl, and bandit on PATH; `trivy` is the replaying stand-in of tests/packaging/trivy-replay.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$1
bin=$2
scenario=${3:-push}
proj="$work/project"
rm -rf "$proj" && mkdir -p "$proj"
cp -a "$root/examples/titanic/." "$proj/"
rm -rf "$proj/.github"
cmp "$root/examples/titanic/.gitlab-ci.yml" "$proj/.gitlab-ci.yml"
# This test's signing key pair (the example's private half is not public): the private key is the
# MODEL_SIGNING_KEY file variable, the public one the repository's keys/model-signing.pub.pem.
openssl ecparam -name prime256v1 -genkey -noout -out "$work/signing.pem" 2>/dev/null
openssl ec -in "$work/signing.pem" -pubout -out "$proj/keys/model-signing.pub.pem" 2>/dev/null
extra=()
case "$scenario" in
  push) ;;
  fixed | fixed-unapproved)
    rm "$proj/.env" "$proj/notebooks/explore.ipynb"
    awk -F, 'BEGIN { OFS = "," } NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; print; next }
      { $col["p"] = (NR % 2 ? "0.9" : "0.1"); print }' "$root/examples/titanic/data/predictions.csv" \
      >"$proj/data/predictions.csv"
    # The replayed Trivy report cannot be fixed: the kill switch turns mlsec-trivy off.
    extra=(--variable MLSEC_TRIVY_DISABLED=true)
    [ "$scenario" = fixed ] && extra+=(--manual deploy)
    ;;
  *) echo "gitlab-ci-local.sh: unknown scenario $scenario" >&2; exit 2 ;;
esac
git -C "$proj" init -q -b main
git -C "$proj" remote add origin https://gitlab.com/mlsec-dev/titanic.git
git -C "$proj" add -A
git -C "$proj" -c user.email=ci@example.invalid -c user.name=ci commit -qm example
# As a clone has it: origin/HEAD names the default branch (CI_DEFAULT_BRANCH).
git -C "$proj" update-ref refs/remotes/origin/main HEAD
git -C "$proj" symbolic-ref refs/remotes/origin/HEAD refs/remotes/origin/main
include_dir="$proj/.gitlab-ci-local/includes/gitlab.com/mlsec-dev/mlsec/v1"
mkdir -p "$include_dir"
cp "$root/.gitlab-ci-template.yml" "$include_dir/.gitlab-ci-template.yml"
rc=0
# MLSEC_SECRET_SCAN_ARGS=--no-ignore:
# gitlab-ci-local puts each job's copy under .gitlab-ci-local/, whose `.gitignore` says `*`, and
# secret-scan honours parent ignore files (a real checkout has no such parent).
(cd "$proj" && PATH="$bin:$root/tests/packaging/trivy-replay:$PATH" npx --yes -p node@22 -p gitlab-ci-local@4.75.1 \
  gitlab-ci-local --force-shell-executor --shell-isolation "${extra[@]}" \
  --variable MLSEC_SECRET_SCAN_ARGS=--no-ignore --variable "MODEL_SIGNING_KEY=$work/signing.pem" \
  ${MLSEC_GCL_VARIABLES:-}) >"$work/gitlab-ci-local.log" 2>&1 || rc=$?
cat "$work/gitlab-ci-local.log"
echo "gitlab-ci-local exit $rc"
rm -f "$work/signing.pem"
