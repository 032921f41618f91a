"""Train the Titanic survival classifier and write predictions for the fairness gate.

Usage: python train.py [--data data/titanic-sample.csv] [--out models/model.joblib]

This is the example project `mlsec scan` is demonstrated on: it is a small but real training
script, with the two mistakes ML repositories make most often left in on purpose (see README.md):
an unpinned model download and a pickle load of a file that could come from anywhere.
"""

import argparse
import csv
import os
import pickle

from huggingface_hub import hf_hub_download
from sklearn.linear_model import LogisticRegression

FEATURES = ["Pclass", "is_female", "Age", "SibSp", "Parch", "Fare"]


def load_rows(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["is_female"] = 1.0 if r["Sex"] == "female" else 0.0
        r["Age"] = float(r["Age"] or 29.7)
        r["Fare"] = float(r["Fare"] or 14.45)
    return rows


def matrix(rows):
    return [[float(r[c]) for c in FEATURES] for r in rows], [int(r["Survived"]) for r in rows]


def load_pretrained(cache_dir):
    # Planted: downloads whatever the hub's main branch holds today (no `revision=` pin) ...
    path = hf_hub_download(repo_id="example-org/titanic-baseline", filename="model.pkl", cache_dir=cache_dir)
    # ... and unpickles it: a pickle runs arbitrary code when loaded.
    with open(path, "rb") as f:
        return pickle.load(f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/titanic-sample.csv")
    ap.add_argument("--predictions", default="data/predictions.csv")
    ap.add_argument("--warm-start", action="store_true", help="start from the published baseline")
    args = ap.parse_args()

    rows = load_rows(args.data)
    x, y = matrix(rows)
    model = load_pretrained(os.environ.get("HF_HOME")) if args.warm_start else LogisticRegression(max_iter=1000)
    model.fit(x, y)
    scores = model.predict_proba(x)[:, 1]
    with open(args.predictions, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["PassengerId", "sex", "pclass", "y", "p"])
        for r, p in zip(rows, scores):
            w.writerow([r["PassengerId"], r["Sex"], r["Pclass"], r["Survived"], f"{p:.4f}"])


if __name__ == "__main__":
    main()
