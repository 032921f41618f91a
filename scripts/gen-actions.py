#!/usr/bin/env python3
"""Writes the GitHub composite actions (action.yml at the root and in scan/, report/, secret-scan/,
sbom/, trivy/, bandit/, model-scan/, fairness-gate/, model-sign/) from one table, so that their inputs, the
install step and the outputs stay the same everywhere. Run it after changing an input; the
conformance check (scripts/conformance.d/packaging.sh) fails when the files are out of date.

Rules the generated files follow: inputs are kebab-case and equal to the CLI's long flags; an input
reaches a script only through `env:` (never `${{ inputs.x }}` inside `run:`, which would be a
script injection); outputs are `sarif-file`, `findings`, `max-severity`.
"""
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent

INSTALL_INPUTS = [
    ("version", "mlsec release to install (default: the one this action version pins in action-lib/release.env)", "", None),
    ("build-from-source", "`auto` (download when the release's checksum is pinned, else build when run from a checkout), `true` or `false`", "auto", "MLSEC_BUILD_FROM_SOURCE"),
]
GATE_INPUTS = [
    ("fail-on", "Fail (exit 1) on findings of this severity or higher: critical, high, medium, unknown, low, info, none", "high", "MLSEC_FAIL_ON"),
    ("exit-zero", "Report findings but never fail on them (errors still fail)", "", "MLSEC_EXIT_ZERO"),
    ("baseline", "Baseline findings file (SARIF): findings already in it are marked unchanged", "", "MLSEC_BASELINE"),
    ("new-only", "Fail only on findings not in the baseline", "", "MLSEC_NEW_ONLY"),
    ("max-findings", "Tolerate up to N findings at or above fail-on", "", "MLSEC_MAX_FINDINGS"),
    ("config", "mlsec.toml to read instead of discovering one", "", "MLSEC_CONFIG"),
]
COMMON = [
    ("out-dir", "Directory for the outputs", "mlsec-out", "MLSEC_OUT_DIR"),
    ("annotations", "Print findings as workflow annotations (at most 10 per level)", "true", "MLSEC_ANNOTATIONS"),
]
PUBLISH_INPUTS = [
    ("publish", "Also run `mlsec publish`: check run with annotations, sticky PR comment, step summary", "false", "MLSEC_PUBLISH"),
    ("check-name", "Name of the check run", "mlsec", "MLSEC_CHECK_NAME"),
    ("comment", "Sticky PR comment: always, on-findings, never", "on-findings", "MLSEC_COMMENT"),
    ("sarif-upload", "Upload the findings to code scanning (needs security-events: write)", "false", "MLSEC_SARIF_UPLOAD"),
    ("token", "Token for publishing (checks: write, pull-requests: write, security-events: write)", "${{ github.token }}", "MLSEC_TOKEN"),
]

ACTIONS = {
    "scan": dict(
        name="mlsec scan",
        description="Scan a repository with the mlsec suite (secrets, Python SAST, dependencies, SBOM, model files), merge, report and gate",
        inputs=[("path", "Directory to scan", ".", "INPUT_PATH"),
                ("skip", "Scanners not to run (comma-separated: secret-scan, bandit, trivy, sbom, model-scan)", "", "MLSEC_SKIP")]
        + GATE_INPUTS + COMMON + PUBLISH_INPUTS,
        script="scan.sh", args=""),
    "report": dict(
        name="mlsec report",
        description="Merge findings files from several jobs (download their artifacts first), report, gate and publish",
        inputs=[("files", "Findings files to merge, one glob per line", "mlsec-out/**/*.sarif", "INPUT_FILES")]
        + GATE_INPUTS + COMMON + PUBLISH_INPUTS,
        script="report.sh", args=""),
    "secret-scan": dict(
        name="mlsec secret-scan",
        description="Find credentials (cloud, VCS, ML-platform keys) in the working tree and notebooks",
        inputs=[("path", "File or directory to scan", ".", "INPUT_PATH")] + GATE_INPUTS + COMMON,
        script="tool.sh", args="secret-scan"),
    "sbom": dict(
        name="mlsec sbom",
        description="Write a CycloneDX or SPDX SBOM with ML model components; report pickle models and unpinned requirements",
        inputs=[("path", "Project directory", ".", "INPUT_PATH"),
                ("format", "cyclonedx-json or spdx-json", "cyclonedx-json", "INPUT_FORMAT")] + GATE_INPUTS + COMMON,
        script="tool.sh", args="sbom", extra_outputs={"sbom-file": "The SBOM written"}),
    "trivy": dict(
        name="mlsec trivy",
        description="Run Trivy (must be installed) and gate its vulnerabilities, misconfigurations and secrets",
        inputs=[("path", "What to scan (a path; an image reference for command image)", ".", "INPUT_PATH"),
                ("command", "Trivy's scan subcommand: fs, config, image, sbom, repo", "fs", "INPUT_COMMAND"),
                ("scanners", "Trivy's --scanners (vuln,misconfig,secret,license)", "", "INPUT_SCANNERS"),
                ("trivy", "The Trivy executable (default: trivy on PATH)", "", "MLSEC_TRIVY"),
                ("cache-dir", "Trivy's cache directory (cache it between runs)", "", "MLSEC_TRIVY_CACHE_DIR")]
        + GATE_INPUTS + COMMON,
        script="tool.sh", args="trivy"),
    "bandit": dict(
        name="mlsec bandit",
        description="Run Bandit (installed pinned when missing) on Python code and gate its findings",
        inputs=[("path", "Files or directories to scan (space-separated)", ".", "INPUT_PATH"),
                ("bandit", "The Bandit executable (default: bandit on PATH, else pip-installed)", "", "MLSEC_BANDIT"),
                ("bandit-version", "Bandit version installed when missing", "1.9.4", "INPUT_BANDIT_VERSION")]
        + GATE_INPUTS + COMMON,
        script="tool.sh", args="bandit"),
    "model-scan": dict(
        name="mlsec model-scan",
        description="Find unsafe code in model files (pickle, PyTorch, Keras, ...) without loading them, and gate it",
        inputs=[("path", "Files or directories to scan (space-separated)", ".", "INPUT_PATH")] + GATE_INPUTS + COMMON,
        script="tool.sh", args="model-scan"),
    "fairness-gate": dict(
        name="mlsec fairness-gate",
        description="Gate a model's predictions on group fairness metrics (demographic parity, equalized odds...)",
        inputs=[("file", "Predictions CSV", None, "INPUT_FILE"),
                ("label", "Column of the true label", None, "INPUT_LABEL"),
                ("prediction", "Column of the predicted label (or score + threshold)", "", "INPUT_PREDICTION"),
                ("score", "Column of the score", "", "INPUT_SCORE"),
                ("threshold", "Score threshold", "", "INPUT_THRESHOLD"),
                ("pos-label", "Value of the positive label", "", "INPUT_POS_LABEL"),
                ("sensitive", "Sensitive columns (space-separated)", None, "INPUT_SENSITIVE"),
                ("privileged", "Privileged groups COL=V (space-separated)", "", "INPUT_PRIVILEGED"),
                ("limit", "Limits, one per line (e.g. demographic_parity_ratio >= 0.8)", "", "INPUT_LIMIT"),
                ("config", "mlsec.toml to read instead of discovering one", "", "MLSEC_CONFIG")]
        + COMMON,
        script="tool.sh", args="fairness-gate"),
    "model-sign": dict(
        name="mlsec model-sign",
        description="Sign a model (OpenSSF model signing) or verify it before deploying",
        inputs=[("command", "sign or verify", "verify", "INPUT_COMMAND"),
                ("model", "Model directory or file", None, "INPUT_MODEL"),
                ("signature", "Signature file (default: `signature` in [model-sign] of mlsec.toml, else model.sig in the working directory, as model_signing does)", "", "INPUT_SIGNATURE"),
                ("key", "sign: private key file; verify: public key file", "", "INPUT_KEY"),
                ("key-secret", "sign: the private key PEM itself (from a secret); written to a 0600 temp file", "", "INPUT_KEY_SECRET"),
                ("config", "mlsec.toml to read instead of discovering one", "", "MLSEC_CONFIG")]
        + COMMON,
        script="tool.sh", args="model-sign",
        extra_outputs={"signature": "The signature file written (sign) or checked (verify)"}),
}


def q(s):
    return "'" + s.replace("'", "''") + "'"


def install_step(lib):
    return f"""    - name: Install mlsec
      shell: bash
      env:
        MLSEC_VERSION: ${{{{ inputs.version }}}}
        MLSEC_BUILD_FROM_SOURCE: ${{{{ inputs.build-from-source }}}}
      run: '"$GITHUB_ACTION_PATH/{lib}install.sh"'
"""


def inputs_yaml(inputs):
    out = ["inputs:"]
    for name, desc, default, _ in inputs:
        out.append(f"  {name}:")
        out.append(f"    description: {q(desc)}")
        if default is None:
            out.append("    required: true")
        else:
            out.append("    required: false")
            out.append(f"    default: {q(default)}")
    return "\n".join(out) + "\n"


def action(key, a):
    inputs = a["inputs"] + INSTALL_INPUTS
    outputs = {"sarif-file": "The findings file (SARIF 2.1.0, mlsec profile)",
               "findings": "Number of findings (not suppressed)",
               "max-severity": "Most severe finding: critical, high, medium, unknown, low, info, or none"}
    outputs.update(a.get("extra_outputs", {}))
    env = "\n".join(f"        {var}: ${{{{ inputs.{name} }}}}" for name, _, _, var in a["inputs"])
    run = f'"$GITHUB_ACTION_PATH/../action-lib/{a["script"]}"' + (f" {a['args']}" if a["args"] else "")
    outs = "\n".join(f"  {k}:\n    description: {q(v)}\n    value: ${{{{ steps.run.outputs.{k} }}}}" for k, v in outputs.items())
    return f"""# Generated by scripts/gen-actions.py: edit the table there, then run it.
name: {q(a['name'])}
description: {q(a['description'])}
author: mlsec
branding:
  icon: shield
  color: blue
{inputs_yaml(inputs)}outputs:
{outs}
runs:
  using: composite
  steps:
{install_step('../action-lib/')}    - name: Run
      id: run
      shell: bash
      env:
{env}
      run: {q(run)}
"""


def root_action():
    return f"""# Generated by scripts/gen-actions.py: edit the table there, then run it.
name: 'mlsec'
description: 'Install the mlsec binaries (pinned release, sha256-verified and cached; or built from a checkout) and put them on PATH'
author: mlsec
branding:
  icon: shield
  color: blue
{inputs_yaml(INSTALL_INPUTS)}outputs:
  bin-dir:
    description: 'Directory holding the mlsec binaries (also added to PATH)'
    value: ${{{{ steps.install.outputs.bin-dir }}}}
runs:
  using: composite
  steps:
{install_step('action-lib/').replace('    - name: Install mlsec', '    - name: Install mlsec' + chr(10) + '      id: install')}"""


def doc_section(key, a):
    """The action's section of docs/ci.md's action reference (checked by --check)."""
    rows = []
    for name, desc, default, _ in a["inputs"] + INSTALL_INPUTS:
        d = "*(required)*" if default is None else (f"`{default}`" if default else "")
        rows.append(f"| `{name}` | {d} | {desc} |")
    outs = ["sarif-file", "findings", "max-severity"] + list(a.get("extra_outputs", {}))
    return (f"### `{key}/` — {a['name']}\n\n{a['description']}.\n\n| input | default | meaning |\n|---|---|---|\n"
            + "\n".join(rows) + "\n\nOutputs: " + ", ".join(f"`{o}`" for o in outs) + ".\n")


def main():
    files = {ROOT / "action.yml": root_action()}
    for key, a in ACTIONS.items():
        files[ROOT / key / "action.yml"] = action(key, a)
    check = "--check" in sys.argv
    stale = []
    for path, text in files.items():
        if check:
            if not path.is_file() or path.read_text() != text:
                stale.append(str(path.relative_to(ROOT)))
        else:
            path.parent.mkdir(exist_ok=True)
            path.write_text(text)
    if check:
        docs = (ROOT / "docs" / "ci.md").read_text()
        for key, a in ACTIONS.items():
            if doc_section(key, a) not in docs:
                stale.append(f"docs/ci.md section `{key}/` (write it as doc_section() prints it)")
    if stale:
        print("out of date (run scripts/gen-actions.py):", ", ".join(stale))
        sys.exit(1)


if __name__ == "__main__":
    main()
