#!/usr/bin/env bash
# fairness-gate vs fairlearn MetricFrame vs a vectorised pandas groupby, end to end (read the file,
# per-group rates, disparities) on N generated rows (default 10M; not committed), written once as CSV
# and once as Parquet (pyarrow defaults: snappy, row groups of 1Mi rows), in the same run: wall and
# CPU seconds and peak RSS per tool and format (measured with wait4 rusage), and ratios; plus
# `openssl dgst -sha256` of each file: the floor for any tool that reports its input's sha256.
# Usage: bench/fairness.sh [N]   (FG_REPS=R: best of R runs per tool, default 3; FAIRLEARN=0 skips fairlearn, which needs ~70 s per 1M rows here;
# FG_NO_BUILD=1 uses the release binary already in $CARGO_TARGET_DIR; FG_BENCH_DIR=DIR writes the
# generated files under DIR (default: a temp dir); they are deleted at the end either way)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-10000000}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mlsec/target}"
py="$root/.tools/venv/bin/python"
[ -x "$py" ] || { echo "run scripts/install-test-tools first" >&2; exit 1; }
[ -n "${FG_NO_BUILD:-}" ] || cargo build --quiet --release --locked -p fairness-gate
fg="$CARGO_TARGET_DIR/release/fairness-gate"
if [ -n "${FG_BENCH_DIR:-}" ]; then mkdir -p "$FG_BENCH_DIR"; work=$(mktemp -d "$FG_BENCH_DIR/run.XXXXXX"); else work=$(mktemp -d); fi
trap 'rm -rf "$work"' EXIT

"$py" - "$n" "$work/data.csv" "$work/data.parquet" <<'PY'
import sys
import numpy as np
import pandas as pd
n, out = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(6)
sex = rng.choice(np.array(["female", "male"]), n)
race = rng.choice(np.array(["A", "B", "C", "D", "E"]), n, p=[0.6, 0.2, 0.1, 0.07, 0.03])
label = (rng.random(n) < np.where(sex == "male", 0.3, 0.2)).astype(np.int8)
score = np.round(np.clip(0.35 * label + rng.random(n) * 0.8, 0, 1), 4)
df = pd.DataFrame({"label": label, "score": score, "sex": sex, "race": race})
df.to_csv(out, index=False)
df.to_parquet(sys.argv[3], index=False)
PY
echo "rows: $n, CSV: $(du -h "$work/data.csv" | cut -f1), Parquet: $(du -h "$work/data.parquet" | cut -f1)"

cat >"$work/pandas_groupby.py" <<'PY'
import sys
import pandas as pd
f = sys.argv[1]
if f.endswith(".parquet"):
    df = pd.read_parquet(f).astype({"sex": "category", "race": "category"})
else:
    df = pd.read_csv(f, dtype={"sex": "category", "race": "category"})
df["pred"] = (df["score"] >= 0.5).astype("int8")
for col in ["sex", "race"]:
    d = df.assign(tp=df.label & df.pred, p=df.label, fp=(1 - df.label) & df.pred, neg=1 - df.label)
    g = d.groupby(col, observed=True)[["pred", "tp", "p", "fp", "neg"]].sum()
    cnt = d.groupby(col, observed=True).size()
    sr, tpr, fpr = g.pred / cnt, g.tp / g.p, g.fp / g.neg
    print(col, sr.max() - sr.min(), max(tpr.max() - tpr.min(), fpr.max() - fpr.min()))
PY
cat >"$work/fairlearn_metricframe.py" <<'PY'
import sys
import pandas as pd
from fairlearn.metrics import MetricFrame, selection_rate, true_positive_rate, false_positive_rate
f = sys.argv[1]
if f.endswith(".parquet"):
    df = pd.read_parquet(f).astype({"sex": "category", "race": "category"})
else:
    df = pd.read_csv(f, dtype={"sex": "category", "race": "category"})
pred = (df["score"] >= 0.5).astype(int)
for col in ["sex", "race"]:
    mf = MetricFrame(metrics={"sr": selection_rate, "tpr": true_positive_rate, "fpr": false_positive_rate},
                     y_true=df["label"], y_pred=pred, sensitive_features=df[col])
    d = mf.difference()
    print(col, d["sr"], max(d["tpr"], d["fpr"]))
PY

# measure NAME CMD...: runs CMD $FG_REPS times (default 3; fairlearn once), prints "NAME wall cpu
# peak_mib" of the fastest run (rusage of the child via wait4), in seconds with 3 decimals.
measure() {
  "$py" - "$@" <<'PY'
import os, sys, time
name, cmd = sys.argv[1], sys.argv[2:]
reps = 1 if name.startswith("fairlearn") else int(os.environ.get("FG_REPS", "3"))
best = None
for _ in range(reps):
    t = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        fd = os.open(os.devnull, os.O_WRONLY); os.dup2(fd, 1)
        os.execvp(cmd[0], cmd)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"{name} exited {code}")
    run = (wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024)
    best = run if best is None or run[0] < best[0] else best
print(f"{name} {best[0]:.3f} {best[1]:.3f} {best[2]:.0f}")
PY
}
{
  for fmt in csv parquet; do
    f="$work/data.$fmt"
    measure "fairness-gate $fmt" "$fg" "$f" --label label --score score --threshold 0.5 --sensitive sex race \
      --fail-on none -q --json "$work/r.$fmt.json"
    # The floor for any tool that reports the input's sha256: hashing the file alone.
    measure "openssl-sha256 $fmt" openssl dgst -sha256 "$f"
    measure "pandas-groupby $fmt" "$py" "$work/pandas_groupby.py" "$f"
    [ "${FAIRLEARN:-1}" = 0 ] || measure "fairlearn-MetricFrame $fmt" "$py" "$work/fairlearn_metricframe.py" "$f"
  done
} | tee "$work/results.txt"
"$py" - "$work/r.csv.json" "$work/r.parquet.json" <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
for r in (a, b):
    r.pop("input"); r.pop("input_sha256")
sys.exit(0 if a == b else "fairness-gate: the CSV and Parquet reports differ")
PY
echo "fairness-gate: CSV and Parquet reports are equal"
"$py" - "$work/results.txt" <<'PY'
import sys
rows = [l.rsplit(None, 3) for l in open(sys.argv[1])]
base = {r[0]: (float(r[1]), float(r[2]), float(r[3])) for r in rows}
print("\n| tool | format | wall s | CPU s | peak RSS MiB | wall vs fairness-gate | CPU vs fairness-gate |")
print("|---|---|---:|---:|---:|---:|---:|")
for name, (w, c, m) in base.items():
    tool, fmt = name.split()
    fw, fc, _ = base[f"fairness-gate {fmt}"]
    print(f"| {tool} | {fmt} | {w:.3f} | {c:.3f} | {m:.0f} | {w / fw:.1f}x | {c / fc:.1f}x |")
PY
