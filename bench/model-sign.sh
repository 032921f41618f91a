#!/usr/bin/env bash
# model-sign (sha256, and --hash blake3) vs model_signing (the reference, PyPI 1.1.1, sha256) vs
# `openssl dgst -sha256`, same run,
# same files: a single large file and a directory of many 20 MB files, generated at bench time in
# a temp dir (never committed). Prints CPU (user+sys) and wall seconds and GB/s per tool, after the
# one-stream sha256 ceiling (`openssl speed -evp sha256`), which bounds any single file in per-file mode.
# Sizes: MS_BENCH_BIG_MIB (default 4096) and MS_BENCH_FILES (default 200 x 20 MB). Each command runs
# MS_BENCH_REPS times (default 3); the fastest run (wall) is printed, as the machine is shared.
# Data goes to $TMPDIR (e.g. TMPDIR=/work/cache/bench-data/model-sign) and is deleted at the end.
# Page cache: each workload is read once before timing (warm cache), so numbers show the hashing
# and I/O path, not the disk. Run: bench/model-sign.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mlsec/target}"
cargo build --quiet --release --locked -p model-sign
ms="$CARGO_TARGET_DIR/release/model-sign"
ref="$root/.tools/venv/bin/model_signing"
[ -x "$ref" ] || { echo "missing $ref: run scripts/install-test-tools" >&2; exit 2; }
key="$root/crates/model-sign/tests/fixtures/test-only-p256.pem"
big_mib=${MS_BENCH_BIG_MIB:-4096}
nfiles=${MS_BENCH_FILES:-200}
reps=${MS_BENCH_REPS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/big" "$work/many"
head -c "$((big_mib * 1048576))" /dev/urandom > "$work/big/model.bin"
for i in $(seq 1 "$nfiles"); do head -c 20000000 /dev/urandom > "$work/many/shard-$i.bin"; done
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), sha_ni: $(grep -qw sha_ni /proc/cpuinfo && echo yes || echo no)"
# One sha256 stream's ceiling on this machine: a single file (per-file mode) cannot hash faster.
echo "sha256 one-stream ceiling: $(openssl speed -evp sha256 -bytes 1048576 -seconds 2 2>/dev/null \
  | awk '/^sha256/ { printf "%.2f GB/s", $2 / 1e6 }') (openssl speed -evp sha256 -bytes 1048576 -seconds 2)"
printf '%-12s %-14s %8s %8s %8s\n' workload tool wall_s cpu_s GB/s
run() { # workload bytes tool cmd...
  local w=$1 bytes=$2 tool=$3; shift 3
  : > "$work/times"
  for _ in $(seq 1 "$reps"); do
    /usr/bin/time -a -o "$work/times" -f '%e %U %S' "$@" >/dev/null 2>&1
  done
  read -r wall user sys < <(sort -n "$work/times" | head -1)
  awk -v w="$w" -v tool="$tool" -v wall="$wall" -v u="$user" -v s="$sys" -v b="$bytes" \
    'BEGIN { printf "%-12s %-14s %8.2f %8.2f %8.2f\n", w, tool, wall, u + s, b / wall / 1e9 }'
}
for w in big many; do
  bytes=$(du -sb "$work/$w" | cut -f1)
  cat "$work/$w"/* > /dev/null   # warm the page cache
  run "$w" "$bytes" model-sign "$ms" sign "$work/$w" --key "$key" --signature "$work/$w.ours.sig" -q
  run "$w" "$bytes" ms-blake3 "$ms" sign "$work/$w" --hash blake3 --key "$key" --signature "$work/$w.b3.sig" -q
  run "$w" "$bytes" model_signing "$ref" sign key "$work/$w" --private_key "$key" --signature "$work/$w.ref.sig"
  run "$w" "$bytes" openssl bash -c "openssl dgst -sha256 '$work/$w'/* > /dev/null"
  "$ref" verify key "$work/$w" --signature "$work/$w.ours.sig" --public_key "${key%/*}/p256.pub.pem" >/dev/null 2>&1 \
    || { echo "model_signing did not verify our signature of $w" >&2; exit 1; }
done
