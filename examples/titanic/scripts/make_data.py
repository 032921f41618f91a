"""Make the example's small data files from the full Titanic CSV (891 rows).

Usage: python scripts/make_data.py /path/to/titanic.csv

Writes data/titanic-sample.csv (the first 200 passengers) and data/predictions.csv (labels, a
score from a fixed hand-written rule, and the sensitive columns: what fairness-gate reads), and
models/model.pkl (a tiny pickle, so sbom has a pickle-format model to report). Deterministic: the
same input gives byte-identical outputs. Standard library only.
"""

import csv
import pickle
import sys

N = 200


def score(r):
    # A fixed rule standing in for the trained model: women and children first, then class.
    s = 0.15
    if r["Sex"] == "female":
        s += 0.55
    if r["Age"] and float(r["Age"]) < 12:
        s += 0.2
    s += {"1": 0.15, "2": 0.05, "3": -0.05}[r["Pclass"]]
    return min(max(s, 0.01), 0.99)


def main(src):
    with open(src, newline="") as f:
        rows = list(csv.DictReader(f))[:N]
    with open("data/titanic-sample.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    with open("data/predictions.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["PassengerId", "sex", "pclass", "y", "p"])
        for r in rows:
            w.writerow([r["PassengerId"], r["Sex"], r["Pclass"], r["Survived"], f"{score(r):.2f}"])
    with open("models/model.pkl", "wb") as f:
        pickle.dump({"kind": "rule", "weights": {"female": 0.55, "child": 0.2}}, f, protocol=4)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "titanic.csv")
