# fairness-gate on the real Titanic and Adult datasets: predictions generated deterministically
# (fixed-coefficient logistic score, seeded weights: crates/fairness-gate/tests/predict.py), every
# value compared to the real fairlearn 0.15.0 and AIF360 0.6.1 to 1e-9; SARIF validated. The same
# checks on Parquet input: each prediction file read by pandas and written back as CSV (for the
# oracle) and as Parquet by pyarrow (tests/parquet_cases.py), under $out only.
cargo build --quiet --locked -p fairness-gate
fg="$CARGO_TARGET_DIR/debug/fairness-gate"
fgt=crates/fairness-gate/tests
py=.tools/venv/bin/python
mkdir -p "$out/fairness"
"$py" "$fgt/predict.py" titanic "$shared/datasets/titanic.csv" "$out/fairness/titanic.csv"
"$py" "$fgt/predict.py" adult "$shared/datasets/adult.csv" "$out/fairness/adult.csv"

fair_oracle() { # name, csv, privileged column, oracle-only args..., --, gate args (shared)...
  local name=$1 csv=$2 priv=$3; shift 3
  local extra=()
  while [ "$1" != "--" ]; do extra+=("$1"); shift; done
  shift
  "$fg" "${FG_INPUT:-$csv}" "$@" --undefined zero --fail-on none -q --json "$out/fairness/$name.json" \
    --output "$out/fairness/$name.sarif" --junit "$out/fairness/$name.xml" \
    ${extra[0]:+--missing-sensitive "${extra[1]}"} &&
  "$py" "$fgt/oracle.py" "$csv" "$@" "${extra[@]}" 2>/dev/null >"$out/fairness/$name.oracle.json" &&
  "$py" "$fgt/compare.py" "$out/fairness/$name.json" "$out/fairness/$name.oracle.json" "$priv"
}
mkdir -p "$out/fairness/pq"
"$py" "$fgt/parquet_cases.py" "$out/fairness/pq" "$out/fairness/titanic.csv" "$out/fairness/adult.csv"
fair_oracle_pq() { # like fair_oracle, the gate reading $out/fairness/pq/<csv stem>.<codec>.parquet
  local codec=$1; shift
  local stem; stem=$(basename "$2" .csv)
  FG_INPUT="$out/fairness/pq/$stem.$codec.parquet" fair_oracle "$1" "$out/fairness/pq/$stem.csv" "${@:3}"
}
check "fairness: titanic Parquet (snappy; weighted, missing Embarked grouped) = fairlearn + aif360" \
  fair_oracle_pq snappy titanic-pq "$out/fairness/titanic.csv" Sex --missing group -- \
    --label Survived --prediction pred --sensitive Sex Pclass Embarked --intersect Sex,Pclass \
    --weight weight --privileged Sex=female
check "fairness: titanic Parquet (zstd; missing Embarked dropped, to_overall, mean) = fairlearn + aif360" \
  fair_oracle_pq zstd titanic-drop-pq "$out/fairness/titanic.csv" Sex --missing drop -- \
    --label Survived --score score --threshold 0.4 --sensitive Sex Embarked --method to_overall --agg mean \
    --privileged Sex=male
check "fairness: adult Parquet (gzip; string labels, score threshold, sex x race) = fairlearn + aif360" \
  fair_oracle_pq gzip adult-pq "$out/fairness/adult.csv" sex -- \
    --label income --pos-label '>50K' --score score --threshold 0.5 --sensitive sex race --intersect sex,race \
    --privileged sex=Male
check "fairness: titanic Parquet (brotli; weighted, missing Embarked grouped) = fairlearn + aif360" \
  fair_oracle_pq brotli titanic-br-pq "$out/fairness/titanic.csv" Sex --missing group -- \
    --label Survived --prediction pred --sensitive Sex Pclass Embarked --intersect Sex,Pclass \
    --weight weight --privileged Sex=female
check "fairness: adult Parquet (lz4; weighted to_overall) = fairlearn + aif360" \
  fair_oracle_pq lz4 adult-w-pq "$out/fairness/adult.csv" race -- \
    --label income --pos-label '>50K' --score score --threshold 0.5 --sensitive race --weight weight --method to_overall \
    --privileged race=White
check "fairness: titanic (weighted, missing Embarked grouped, intersection) = fairlearn + aif360" \
  fair_oracle titanic "$out/fairness/titanic.csv" Sex --missing group -- \
    --label Survived --prediction pred --sensitive Sex Pclass Embarked --intersect Sex,Pclass \
    --weight weight --privileged Sex=female
check "fairness: titanic (missing Embarked dropped, to_overall, mean) = fairlearn + aif360" \
  fair_oracle titanic-drop "$out/fairness/titanic.csv" Sex --missing drop -- \
    --label Survived --score score --threshold 0.4 --sensitive Sex Embarked --method to_overall --agg mean \
    --privileged Sex=male
check "fairness: adult (string labels, score threshold, sex x race) = fairlearn + aif360" \
  fair_oracle adult "$out/fairness/adult.csv" sex -- \
    --label income --pos-label '>50K' --score score --threshold 0.5 --sensitive sex race --intersect sex,race \
    --privileged sex=Male
check "fairness: adult weighted to_overall = fairlearn + aif360" \
  fair_oracle adult-w "$out/fairness/adult.csv" race -- \
    --label income --pos-label '>50K' --score score --threshold 0.5 --sensitive race --weight weight --method to_overall \
    --privileged race=White
for f in titanic adult; do
  check "fairness: $f SARIF: OASIS schema + mlsec profile" \
    bash -c "'$cjs' --schemafile '$schemas/sarif-schema-2.1.0.json' '$out/fairness/$f.sarif' && '$mlsec' validate -q '$out/fairness/$f.sarif'"
done
check "fairness: adult with default limits fails the gate (exit 1)" \
  expect_exit 1 "$fg" "$out/fairness/adult.csv" --label income --pos-label '>50K' --score score --threshold 0.5 --sensitive sex -q
check "fairness: titanic missing Embarked is an error by default (exit 2)" \
  expect_exit 2 "$fg" "$out/fairness/titanic.csv" --label Survived --prediction pred --sensitive Embarked -q
