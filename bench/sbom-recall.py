#!/usr/bin/env python3
"""Recall of an SBOM against the pinned `name==version` pairs of a project's lockfiles.

Ground truth, computed independently of sbom: PyPI: every [[package]] of uv.lock and poetry.lock,
and every `name==version` / `name===version` line of requirements*.txt (PEP 503-normalised names);
Cargo: every [[package]] of Cargo.lock. Prints one line per ecosystem (PyPI first).
Usage: sbom-recall.py PROJECT SBOM.json [--min PERCENT]   (CycloneDX or SPDX JSON; --min applies
to every ecosystem)
"""
import json
import os
import re
import sys
import tomllib

norm = lambda n: re.sub(r"[-_.]+", "-", n).lower()


def truth(root):
    pairs = set()
    cargo = set()
    for d, dirs, files in os.walk(root):
        dirs[:] = [x for x in dirs if x not in (".git", "node_modules", "target", ".venv")]
        for f in files:
            p = os.path.join(d, f)
            if f == "Cargo.lock":
                try:
                    data = tomllib.load(open(p, "rb"))
                except Exception:
                    continue
                cargo.update((pk["name"], pk["version"]) for pk in data.get("package", []) if "version" in pk)
            elif f in ("uv.lock", "poetry.lock"):
                try:
                    data = tomllib.load(open(p, "rb"))
                except Exception:
                    continue
                for pk in data.get("package", []):
                    if "version" in pk:
                        pairs.add((norm(pk["name"]), pk["version"]))
            elif f.startswith("requirements") and f.endswith(".txt"):
                for line in open(p, errors="replace"):
                    line = line.split(" #")[0].split(";")[0].strip()
                    m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*===?\s*([^\s,\\]+)\s*\\?$", line)
                    if m and "*" not in m.group(3):
                        pairs.add((norm(m.group(1)), m.group(3)))
    return {"PyPI": pairs, "Cargo": cargo}


def found(path):
    doc = json.load(open(path))
    out = {"PyPI": set(), "Cargo": set()}
    kinds = (("pkg:pypi/", "PyPI", norm), ("pkg:cargo/", "Cargo", lambda n: n))

    def add(purls, name, version):
        for prefix, eco, fix in kinds:
            if version and any(r.startswith(prefix) for r in purls):
                out[eco].add((fix(name), version))

    if "components" in doc:  # CycloneDX (cdxgen/syft/cyclonedx-py/sbom)
        stack = list(doc.get("components", []))
        while stack:
            c = stack.pop()
            stack.extend(c.get("components", []))
            add([c.get("purl", "")], c.get("name", ""), c.get("version"))
    for p in doc.get("packages", []):  # SPDX
        refs = [r["referenceLocator"] for r in p.get("externalRefs", []) if r.get("referenceType") == "purl"]
        add(refs, p.get("name", ""), p.get("versionInfo"))
    return out


def main():
    args = sys.argv[1:]
    minimum = None
    if "--min" in args:
        i = args.index("--min")
        minimum = float(args[i + 1])
        del args[i : i + 2]
    truths, founds = truth(args[0]), found(args[1])
    short = False
    for eco, t in truths.items():
        f = founds[eco]
        hit = len(t & f)
        pct = 100.0 * hit / len(t) if t else 100.0
        print(f"{hit}/{len(t)} pinned {eco} pairs found ({pct:.1f}%)")
        for m in sorted(t - f)[:20]:
            print("missing", eco, "==".join(m))
        short |= minimum is not None and pct < minimum
    if short:
        sys.exit(1)


if __name__ == "__main__":
    main()
