"""Make the example's small data files: 200 synthetic passengers shaped like the Titanic data.

Usage: python scripts/make_data.py

The rows are generated from a fixed seed (the real Titanic CSV is not copied into this
repository): the columns train.py reads, with survival drawn from rates close to the real ones
by sex and class. Writes data/titanic-sample.csv, data/predictions.csv (labels, a score from a
fixed hand-written rule, and the sensitive columns: what fairness-gate reads) and models/model.pkl
(a tiny pickle, so sbom has a pickle-format model to report). Deterministic: byte-identical
outputs on every run. Standard library only.
"""

import csv
import pickle
import random

N = 200
# Survival rates by (sex, class), close to the published Titanic figures.
SURVIVAL = {
    ("female", "1"): 0.96, ("female", "2"): 0.92, ("female", "3"): 0.50,
    ("male", "1"): 0.37, ("male", "2"): 0.16, ("male", "3"): 0.14,
}
FARE = {"1": (30.0, 260.0), "2": (10.0, 40.0), "3": (7.0, 25.0)}


def passengers(rng):
    for pid in range(1, N + 1):
        sex = "female" if rng.random() < 0.35 else "male"
        pclass = rng.choices(["1", "2", "3"], weights=[0.24, 0.21, 0.55])[0]
        age = "" if rng.random() < 0.2 else str(rng.randint(12, 70))
        lo, hi = FARE[pclass]
        yield {
            "PassengerId": str(pid),
            "Survived": "1" if rng.random() < SURVIVAL[(sex, pclass)] else "0",
            "Pclass": pclass,
            "Sex": sex,
            "Age": age,
            "SibSp": str(rng.choice([0, 0, 0, 1, 1, 2])),
            "Parch": str(rng.choice([0, 0, 0, 0, 1, 2])),
            "Fare": f"{rng.uniform(lo, hi):.2f}",
            "Embarked": rng.choices(["S", "C", "Q"], weights=[0.72, 0.19, 0.09])[0],
        }


def score(r):
    # A fixed rule standing in for the trained model: women first, then class.
    s = 0.15
    if r["Sex"] == "female":
        s += 0.55
    s += {"1": 0.15, "2": 0.05, "3": -0.05}[r["Pclass"]]
    return min(max(s, 0.01), 0.99)


def main():
    rows = list(passengers(random.Random(1912)))  # nosec B311: synthetic example data, not crypto
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
        pickle.dump({"kind": "rule", "weights": {"female": 0.55, "class1": 0.15}}, f, protocol=4)


if __name__ == "__main__":
    main()
