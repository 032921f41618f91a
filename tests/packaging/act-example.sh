#!/usr/bin/env bash
# Runs the example's own GitHub workflow (examples/titanic/.github/workflows/mlsec.yml, unchanged)
# for real under act in host mode, in a git repository holding a copy of the example, with
# `mlsec-dev/mlsec/<action>@v1` served from this checkout (act's --local-repository) and the
# pinned third-party actions served from git at their pinned commits.
#
# Usage: act-example.sh WORKDIR SCENARIO
#   push      the example as it is, on a push to main: scan and fairness fail, sign and deploy
#             are skipped (the gates block the deployment)
#   fixed     a push after the team fixed the findings (the planted secrets removed, balanced
#             predictions): scan and fairness pass, sign uploads the signed model, deploy downloads
#             it and verifies it before deploying
#   fork-pr   a pull_request from a fork (tests/packaging/fork-pr-event.json): publish degrades to
#             annotations + step summary with a notice, no API call
# Writes WORKDIR/act.log (act's output, with the step summaries and annotations) and
# WORKDIR/api.jsonl (the GitHub API requests, to tests/packaging/fake-github-api.py), and exits
# with act's status.
#
# Needs act and check-jsonschema from .tools (scripts/install-test-tools), cargo (the actions build
# mlsec from source: no release is pinned yet), openssl, rsync, git, node (the artifact actions).
# The artifact actions come from bare clones under ${MLSEC_GIT_CACHE:-~/.cache/mlsec/git}
# (<owner>+<repo>.git); a missing one is cloned from github.com once (see pinned_action below), and
# where github.com cannot be reached, tests/packaging/stand-ins/ serves them (with a notice).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$1
scenario=$2
tools="$root/.tools"
git_cache="${MLSEC_GIT_CACHE:-$HOME/.cache/mlsec/git}"
rm -rf "$work" && mkdir -p "$work"

# This checkout as a release ships it (tracked and new files; not target/ or .tools/): act reads a
# --local-repository folder whole.
src="$work/mlsec"
mkdir -p "$src"
(cd "$root" && git ls-files -co --exclude-standard -z) |
  rsync -a --from0 --files-from=- --ignore-missing-args "$root/" "$src/"

# The third-party actions the workflow pins, at the pinned commit (read from the workflow), from a
# bare clone. A clone without the bundled dist/ (a partial mirror leaves large blobs out) gets it
# rebuilt from the same commit's sources with its own `release` script (npm ci + ncc, from the
# npm registry); built actions are kept in ${MLSEC_ACTIONS_CACHE:-~/.cache/mlsec/actions}.
actions_cache="${MLSEC_ACTIONS_CACHE:-$HOME/.cache/mlsec/actions}"
pinned_action() { # OWNER/REPO SHA -> prints the action's directory
  local action=$1 sha=$2 bare dir
  bare="$git_cache/${action/\//+}.git"
  dir="$actions_cache/${action/\//+}@$sha"
  if [ ! -f "$dir/.complete" ]; then
    if [ ! -d "$bare" ]; then
      mkdir -p "$git_cache"
      if ! GIT_TERMINAL_PROMPT=0 timeout 60 git clone --quiet --bare "https://github.com/$action.git" "$bare" >&2; then
        # CI machines reach the package registries only: use the test stand-in, and say so loudly.
        rm -rf "$bare"
        echo "act-example.sh: NOTICE: $action@$sha is not in $git_cache and github.com cannot be reached;" \
          "using the stand-in tests/packaging/stand-ins/${action#*/}" >&2
        printf '%s\n' "$root/tests/packaging/stand-ins/${action#*/}"
        return 0
      fi
    fi
    rm -rf "$dir" && mkdir -p "$dir"
    if ! git --git-dir="$bare" archive "$sha" 2>/dev/null | tar -x -C "$dir" 2>/dev/null; then
      rm -rf "$dir" && mkdir -p "$dir"
      git --git-dir="$bare" archive "$sha" -- $(git --git-dir="$bare" ls-tree --name-only "$sha" | grep -vx dist) | tar -x -C "$dir"
      local release
      release=$(jq -r '.scripts.release' "$dir/package.json" | sed 's/ *&& *git add.*//')
      (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --silent &&
        PATH="$dir/node_modules/.bin:$PATH" bash -c "$release") >&2
      rm -rf "$dir/node_modules" # ncc bundled what dist/ needs
    fi
    touch "$dir/.complete"
  fi
  printf '%s\n' "$dir"
}
wf="$root/examples/titanic/.github/workflows/mlsec.yml"
local_repos=(--local-repository "mlsec-dev/mlsec@v1=$src")
while read -r action sha; do
  case "$action" in actions/checkout) continue ;; esac # act copies the workdir instead
  local_repos+=(--local-repository "$action@$sha=$(pinned_action "$action" "$sha")")
done < <(sed -nE 's/^ *(- )?uses: ([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)@([0-9a-f]{40}).*/\2 \3/p' "$wf" | sort -u)

# The example project as its own repository, its workflow unchanged.
proj="$work/titanic"
mkdir -p "$proj"
cp -a "$root/examples/titanic/." "$proj/"
cmp "$wf" "$proj/.github/workflows/mlsec.yml"
# The signing key pair of this test: the private half is the MODEL_SIGNING_KEY secret, the public
# half the repository's keys/model-signing.pub.pem (the example's own private half is not public).
openssl ecparam -name prime256v1 -genkey -noout -out "$work/signing.pem" 2>/dev/null
openssl ec -in "$work/signing.pem" -pubout -out "$proj/keys/model-signing.pub.pem" 2>/dev/null
event=push
event_args=()
case "$scenario" in
  push) ;;
  fixed)
    rm "$proj/.env" "$proj/notebooks/explore.ipynb"
    # The same passengers, scored independently of sex: demographic parity holds.
    awk -F, 'BEGIN { OFS = "," } NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; print; next }
      { $col["p"] = (NR % 2 ? "0.9" : "0.1"); print }' "$root/examples/titanic/data/predictions.csv" \
      >"$proj/data/predictions.csv"
    ;;
  fork-pr)
    event=pull_request
    event_args=(-e "$root/tests/packaging/fork-pr-event.json")
    ;;
  *) echo "act-example.sh: unknown scenario $scenario" >&2; exit 2 ;;
esac
git -C "$proj" init -q -b main
git -C "$proj" remote add origin https://github.com/mlsec-dev/titanic.git
git -C "$proj" add -A
git -C "$proj" -c user.email=ci@example.invalid -c user.name=ci commit -qm example

# The GitHub API `mlsec publish` talks to: a local stand-in that logs every request to api.jsonl.
: >"$work/api.jsonl"
python3 "$root/tests/packaging/fake-github-api.py" "$work/api.port" "$work/api.jsonl" &
api_pid=$!
trap 'kill "$api_pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s "$work/api.port" ] && break; sleep 0.1; done
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
rc=0
(cd "$proj" && "$tools/venv/bin/act" "$event" "${event_args[@]}" -W .github/workflows/mlsec.yml \
  -P ubuntu-latest=-self-hosted --action-offline-mode "${local_repos[@]}" \
  --env "MLSEC_STANDIN_ARTIFACTS=$work/standin-artifacts" --artifact-server-path "$work/artifacts" --artifact-server-addr 127.0.0.1 --artifact-server-port "$port" \
  -s MODEL_SIGNING_KEY="$(cat "$work/signing.pem")" \
  --env MLSEC_CARGO_PROFILE=dev --env "MLSEC_CARGO_TARGET_DIR=${CARGO_TARGET_DIR:?}" \
  -s GITHUB_TOKEN=test-token --env "MLSEC_API_URL=http://127.0.0.1:$(cat "$work/api.port")" \
  --env "PATH=$tools/venv/bin:$PATH") >"$work/act.log" 2>&1 || rc=$?
rm -f "$work/signing.pem"
exit "$rc"
