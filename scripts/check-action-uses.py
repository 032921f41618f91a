#!/usr/bin/env python3
"""Checks that every `uses: mlsec-dev/mlsec/<action>@…` (or `./<action>`) step in the given
workflows passes only inputs that action declares, and every input it requires. actionlint cannot
check this for actions it cannot fetch. Usage: check-action-uses.py ROOT WORKFLOW..."""
import pathlib
import re
import sys

import yaml

root = pathlib.Path(sys.argv[1])
errors = []
for wf_path in sys.argv[2:]:
    wf = yaml.safe_load(open(wf_path))
    for job_name, job in wf["jobs"].items():
        for i, step in enumerate(job.get("steps", [])):
            m = re.match(r"^(?:mlsec-dev/mlsec/|\./)([a-z-]+)(?:@|$)", step.get("uses", ""))
            if not m or not (root / m.group(1) / "action.yml").is_file():
                continue
            inputs = yaml.safe_load(open(root / m.group(1) / "action.yml"))["inputs"]
            given = step.get("with", {}) or {}
            for k in given:
                if k not in inputs:
                    errors.append(f"{wf_path}: jobs.{job_name}.steps[{i}]: {m.group(1)} has no input {k!r}")
            for k, v in inputs.items():
                if v.get("required") and k not in given:
                    errors.append(f"{wf_path}: jobs.{job_name}.steps[{i}]: {m.group(1)} needs input {k!r}")
print("\n".join(errors) or "ok")
sys.exit(1 if errors else 0)
