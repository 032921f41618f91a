"""Writes the CSV-vs-Parquet cases of tests/parquet.rs: each case is one pandas DataFrame written
both with DataFrame.to_csv (NAME.csv) and with pyarrow through DataFrame.to_parquet
(NAME.<codec>.parquet for each codec pyarrow writes: snappy, zstd, gzip, brotli, lz4 (= LZ4_RAW),
none; and NAME.zstd-v2.parquet with data pages v2), so that fairness-gate must give the same report
for both.

Usage: parquet_cases.py OUTDIR [FIXTURE.csv ...]
Each FIXTURE.csv is also read with pandas' default type inference and re-written as a case named
after it. Parquet files are written with row groups of 64 rows (16 for fixtures), so the reader crosses row-group
boundaries. Also writes bad inputs: bad-nan-score (a null, as pandas writes NaN), bad-real-nan,
bad-null-sensitive, bad-timestamp, bad-nested, bad-empty (one empty row group), bad-no-row-groups
(.parquet only)."""

import os
import sys

import numpy as np
import pandas as pd

out = sys.argv[1]
cases = {}

rng = np.random.default_rng(6)
n = 500
sex = rng.choice(np.array(["female", "male"]), n)
label = (rng.random(n) < np.where(sex == "male", 0.4, 0.25)).astype(np.int8)
score = np.round(np.clip(0.3 * label + rng.random(n) * 0.75, 0, 1), 3)
frame = pd.DataFrame(
    {
        "label": label,
        "score": score,
        "score32": score.astype(np.float32),
        "pred": (score >= 0.5).astype(np.int64),
        "sex": pd.Categorical(sex),
        # uint32 and int16 group values, a bool, floats needing Python's repr rules.
        "region": rng.integers(0, 4, n).astype(np.uint32) * np.uint32(1_000_000_000),
        "band": rng.integers(-2, 2, n).astype(np.int16),
        "flag": rng.random(n) < 0.3,
        "ratio": rng.choice(np.array([0.5, 1.0, 1e-05, 2.5e16, -0.0, 0.1]), n),
        # A float group column with NaN (pandas writes it as an empty field: a missing value).
        "ageband": np.where(rng.random(n) < 0.05, np.nan, rng.integers(1, 4, n).astype(float)),
        # Strings with nulls.
        "race": pd.array(np.where(rng.random(n) < 0.04, None, rng.choice(np.array(["A", "B", "C"]), n)), dtype="str"),
        "weight": np.round(rng.uniform(0.5, 2.0, n), 3),
        "outcome": np.where(label == 1, "granted", "denied"),
        "verdict": np.where(score >= 0.5, "granted", "denied"),
    }
)
cases["types"] = frame

for fixture in sys.argv[2:]:
    name = os.path.splitext(os.path.basename(fixture))[0]
    cases[name] = pd.read_csv(fixture)

for name, df in cases.items():
    rg = 64 if name == "types" else 16
    df.to_csv(os.path.join(out, f"{name}.csv"), index=False)
    # Every codec pyarrow writes; its "lz4" is the LZ4_RAW codec (pyarrow cannot write the
    # Hadoop-framed LZ4 codec; tests/parquet.rs writes that one with the parquet crate).
    for codec in ["snappy", "zstd", "gzip", "brotli", "lz4", "none"]:
        df.to_parquet(os.path.join(out, f"{name}.{codec}.parquet"), index=False, compression=codec, row_group_size=rg)
    # Data pages v2 (levels outside the compressed values), zstd.
    df.to_parquet(
        os.path.join(out, f"{name}.zstd-v2.parquet"),
        index=False,
        compression="zstd",
        row_group_size=rg,
        data_page_version="2.0",
    )

bad = frame[["label", "score", "sex"]].copy()
bad.loc[69, "score"] = np.nan  # data row 70, in the second row group
bad.to_parquet(os.path.join(out, "bad-nan-score.parquet"), index=False, row_group_size=64)
bad = frame[["label", "score", "race"]].copy()
bad.to_parquet(os.path.join(out, "bad-null-sensitive.parquet"), index=False, row_group_size=64)
bad = frame[["label", "score"]].copy()
bad["when"] = pd.Timestamp("2026-01-01")
bad.to_parquet(os.path.join(out, "bad-timestamp.parquet"), index=False)
bad["tags"] = [["a"]] * len(bad)
bad.to_parquet(os.path.join(out, "bad-nested.parquet"), index=False)
frame.iloc[:0].to_parquet(os.path.join(out, "bad-empty.parquet"), index=False)  # one row group of 0 rows
# A real NaN (pyarrow keeps it when not converting from pandas), in data row 3.
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

pq.write_table(
    pa.table({"label": [1, 0, 1, 0], "score": pa.array([0.2, 0.9, float("nan"), 0.1]), "sex": ["a", "b", "a", "b"]}),
    os.path.join(out, "bad-real-nan.parquet"),
)
# A schema and no row group at all (a writer opened and closed without writing).
pq.ParquetWriter(os.path.join(out, "bad-no-row-groups.parquet"), pa.table(frame.iloc[:0]).schema).close()
