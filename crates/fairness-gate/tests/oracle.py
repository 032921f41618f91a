"""Oracle for fairness-gate: the same metrics computed by the real fairlearn (and AIF360's
formulas, by AIF360 itself when it is importable, else by numpy from AIF360's published
definitions). Prints JSON. Used by tests/oracle.rs and scripts/conformance.d/fairness.sh.

fairlearn's semantics are those of `undefined = "zero"`: sklearn's confusion_matrix(normalize="true")
turns a 0/0 rate into 0.
"""

import argparse
import json
import sys
import warnings

import numpy as np
import pandas as pd
from fairlearn import metrics as fm

warnings.filterwarnings("ignore")

ap = argparse.ArgumentParser()
ap.add_argument("file")
ap.add_argument("--label", required=True)
ap.add_argument("--prediction")
ap.add_argument("--score")
ap.add_argument("--threshold", type=float)
ap.add_argument("--pos-label")
ap.add_argument("--sensitive", nargs="+", required=True)
ap.add_argument("--intersect", action="append", default=[])
ap.add_argument("--weight")
ap.add_argument("--missing", choices=["drop", "group"], default=None)
ap.add_argument("--method", default="between_groups")
ap.add_argument("--agg", default="worst_case")
ap.add_argument("--privileged")
a = ap.parse_args()

df = pd.read_csv(a.file, dtype=str, keep_default_na=False)
sens_cols = list(a.sensitive)
if a.missing == "drop":
    mask = np.ones(len(df), dtype=bool)
    for c in sens_cols:
        mask &= df[c].to_numpy() != ""
    df = df[mask].reset_index(drop=True)
elif a.missing == "group":
    for c in sens_cols:
        df[c] = df[c].where(df[c] != "", "<missing>")


def binary(col):
    v = df[col]
    if a.pos_label is not None:
        return (v == a.pos_label).astype(int).to_numpy()
    return v.astype(float).astype(int).to_numpy()


y = binary(a.label)
if a.prediction:
    p = binary(a.prediction)
else:
    p = (df[a.score].astype(float).to_numpy() >= a.threshold).astype(int)
w = df[a.weight].astype(float).to_numpy() if a.weight else None

out = {"groupings": {}}
groupings = [[c] for c in sens_cols] + [s.split(",") for s in a.intersect]
for cols in groupings:
    sf = df[cols[0]] if len(cols) == 1 else df[cols]
    kw = dict(y_true=y, y_pred=p, sensitive_features=sf, method=a.method, sample_weight=w)
    eo = dict(kw, agg=a.agg)
    metrics = {
        "demographic_parity_difference": fm.demographic_parity_difference(**kw),
        "demographic_parity_ratio": fm.demographic_parity_ratio(**kw),
        "equalized_odds_difference": fm.equalized_odds_difference(**eo),
        "equalized_odds_ratio": fm.equalized_odds_ratio(**eo),
        "equal_opportunity_difference": fm.equal_opportunity_difference(**kw),
        "equal_opportunity_ratio": fm.equal_opportunity_ratio(**kw),
    }
    sp = {"sample_weight": w}
    mf = fm.MetricFrame(
        metrics={
            "selection_rate": fm.selection_rate,
            "true_positive_rate": fm.true_positive_rate,
            "false_positive_rate": fm.false_positive_rate,
            "accuracy": lambda yt, yp, sample_weight=None: float(np.average(yt == yp, weights=sample_weight)),
        },
        y_true=y,
        y_pred=p,
        sensitive_features=sf,
        sample_params={k: sp for k in ["selection_rate", "true_positive_rate", "false_positive_rate", "accuracy"]},
    )
    groups = {}
    for idx, row in mf.by_group.iterrows():
        if row.isna().all():
            continue  # an empty intersection
        key = "|".join(idx) if isinstance(idx, tuple) else str(idx)
        groups[key] = {k: (None if pd.isna(v) else float(v)) for k, v in row.items()}
    out["groupings"]["|".join(cols)] = {
        "metrics": {k: (None if pd.isna(v) else float(v)) for k, v in metrics.items()},
        "groups": groups,
    }


def aif360_by_formula(col, value):
    """AIF360 ClassificationMetric definitions, from its documentation and source."""
    priv = df[col].to_numpy() == value
    ww = w if w is not None else np.ones(len(y))

    def rates(m):
        tp = ww[m & (y == 1) & (p == 1)].sum()
        fp = ww[m & (y == 0) & (p == 1)].sum()
        tn = ww[m & (y == 0) & (p == 0)].sum()
        fn = ww[m & (y == 1) & (p == 0)].sum()
        n = tp + fp + tn + fn
        # AIF360 performance_measures(): FDR is 0 when nothing is predicted positive; TPR/FPR are NaN.
        fdr = fp / (fp + tp) if (fp + tp) > 0 else 0.0
        return dict(sr=(tp + fp) / n, tpr=tp / (tp + fn), fpr=fp / (fp + tn), fdr=fdr)

    with np.errstate(all="ignore"):
        u, r = rates(~priv), rates(priv)
        return {
            "statistical_parity_difference": u["sr"] - r["sr"],
            "disparate_impact": u["sr"] / r["sr"],
            "average_odds_difference": 0.5 * ((u["fpr"] - r["fpr"]) + (u["tpr"] - r["tpr"])),
            "average_abs_odds_difference": 0.5 * (abs(u["fpr"] - r["fpr"]) + abs(u["tpr"] - r["tpr"])),
            "false_discovery_rate_difference": u["fdr"] - r["fdr"],
        }


def theil_by_formula():
    b = 1.0 + p - y
    mu = b.mean()
    with np.errstate(all="ignore"):
        return float(np.mean(np.log((b / mu) ** b) / mu))


def aif360_real(col, value):
    from aif360.datasets import BinaryLabelDataset
    from aif360.metrics import ClassificationMetric

    codes = (df[col].to_numpy() == value).astype(float)
    base = pd.DataFrame({"s": codes, "y": y.astype(float)})
    kw = dict(favorable_label=1.0, unfavorable_label=0.0, label_names=["y"], protected_attribute_names=["s"])
    truth = BinaryLabelDataset(df=base, **kw)
    pred = truth.copy(deepcopy=True)
    pred.labels = p.astype(float).reshape(-1, 1)
    if w is not None:
        truth.instance_weights = w.copy()
        pred.instance_weights = w.copy()
    m = ClassificationMetric(truth, pred, unprivileged_groups=[{"s": 0.0}], privileged_groups=[{"s": 1.0}])
    return {
        "statistical_parity_difference": m.statistical_parity_difference(),
        "disparate_impact": m.disparate_impact(),
        "average_odds_difference": m.average_odds_difference(),
        "average_abs_odds_difference": m.average_abs_odds_difference(),
        "false_discovery_rate_difference": m.false_discovery_rate_difference(),
    }, m.theil_index()


def clean(d):
    return {k: (None if v is None or not np.isfinite(v) else float(v)) for k, v in d.items()}


out["theil_index"] = theil_by_formula()
out["aif360_source"] = "formula"
if a.privileged:
    col, value = a.privileged.split("=", 1)
    out["aif360"] = clean(aif360_by_formula(col, value))
    try:
        real, theil = aif360_real(col, value)
        out["aif360_real"] = clean(real)
        out["theil_index_real"] = float(theil)
        out["aif360_source"] = "aif360"
    except ImportError:
        pass
json.dump(out, sys.stdout, indent=1, allow_nan=False)
