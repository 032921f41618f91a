"""Compare a fairness-gate --json report to oracle.py's output: every defined value to 1e-9.
usage: compare.py REPORT.json ORACLE.json [PRIVILEGED_COLUMN]; exit 1 on any difference."""
import json
import sys

ours, theirs = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
priv = sys.argv[3] if len(sys.argv) > 3 else None
bad, n = [], 0


def close(a, b, what):
    global n
    n += 1
    if (a is None) != (b is None) or (a is not None and abs(a - b) > 1e-9):
        bad.append(f"{what}: ours {a} vs oracle {b}")


by = {"|".join(g["features"]): g for g in ours["groupings"]}
for label, t in theirs["groupings"].items():
    g = by[label]
    m = {x["metric"]: x["value"] for x in g["metrics"]}
    for k, v in t["metrics"].items():
        close(m[k], v, f"{label} {k}")
    for grp in g["groups"]:
        key = "|".join(grp["key"])
        for r in ["selection_rate", "true_positive_rate", "false_positive_rate", "accuracy"]:
            close(grp["rates"][r] if grp["rates"][r] is not None else 0.0, t["groups"][key][r], f"{label} {key} {r}")
close(ours["theil_index"]["value"], theirs.get("theil_index_real", theirs["theil_index"]), "theil_index")
if priv:
    m = {x["metric"]: x["value"] for x in by[priv]["metrics"]}
    for k, v in theirs["aif360_real"].items():
        close(m[k], v, f"aif360 {k}")
print(f"{n} values compared, {len(bad)} differ")
for b in bad:
    print("  " + b)
sys.exit(1 if bad else 0)
