"""Deterministic predictions for the conformance oracle runs (no training, no downloads):
a fixed-coefficient logistic score on a few numeric columns, plus a seeded weight column.
usage: predict.py titanic|adult IN.csv OUT.csv"""
import sys

import numpy as np
import pandas as pd

kind, src, dst = sys.argv[1:4]
df = pd.read_csv(src, dtype=str, keep_default_na=False)
num = lambda c, fill: pd.to_numeric(df[c].replace("", np.nan), errors="coerce").fillna(fill).to_numpy()
if kind == "titanic":
    z = 1.2 - 0.9 * num("Pclass", 3) - 0.03 * num("Age", 30) + 0.004 * num("Fare", 14) + 1.1 * (df["Sex"] == "female")
else:
    z = -6.5 + 0.3 * num("education_num", 9) + 0.03 * num("hours_per_week", 40) + 0.04 * num("age", 38) + 0.0003 * num("capital_gain", 0)
df["score"] = np.round(1 / (1 + np.exp(-z)), 6)
df["pred"] = (df["score"] >= 0.5).astype(int)
df["weight"] = np.round(np.random.default_rng(6).uniform(0.5, 2.0, len(df)), 3)
df.to_csv(dst, index=False)
