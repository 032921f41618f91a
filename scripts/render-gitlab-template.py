#!/usr/bin/env python3
"""Renders .gitlab-ci-template.yml the way GitLab does for an `include:` with inputs: the header's
`spec: inputs` defaults (overridden by NAME=VALUE arguments) replace every `$[[ inputs.NAME ]]` in
the body; a boolean input that is a whole value becomes a YAML boolean. Prints the body.

Usage: render-gitlab-template.py TEMPLATE [NAME=VALUE...]
Used by the conformance checks to validate the jobs against GitLab's CI schema (which cannot know
an interpolated value's type) and to run them with gitlab-ci-local.
"""
import re
import sys

import yaml  # PyYAML (check-jsonschema's venv has it)


def main():
    text = open(sys.argv[1]).read()
    head, body = text.split("\n---\n", 1)
    spec = yaml.safe_load(head)["spec"]["inputs"]
    values = {k: v.get("default") for k, v in spec.items()}
    for arg in sys.argv[2:]:
        k, v = arg.split("=", 1)
        if k not in spec:
            sys.exit(f"unknown input {k}")
        values[k] = v
    for k, v in spec.items():
        if values[k] is None:
            sys.exit(f"input {k} has no default and no value")
        if "options" in v and str(values[k]) not in [str(o) for o in v["options"]]:
            sys.exit(f"input {k}={values[k]} is not one of {v['options']}")

    def sub(m):
        v = values[m.group(1)]
        if isinstance(v, bool):
            return "true" if v else "false"
        return str(v)

    missing = set(re.findall(r"\$\[\[\s*inputs\.([a-z0-9_-]+)\s*\]\]", body)) - set(values)
    if missing:
        sys.exit(f"undeclared inputs used: {sorted(missing)}")
    sys.stdout.write(re.sub(r"\$\[\[\s*inputs\.([a-z0-9_-]+)\s*\]\]", sub, body))


if __name__ == "__main__":
    main()
