#!/usr/bin/env bash
# CI check of `tinyforge tune` (docs/tune.md): a 6-trial search on a reduced Fashion-MNIST
# (2,000 training and 500 test images, 2 epochs) under a 32 KB arena and 64 KB flash budget on
# mps2-an386 (at two input resolutions), through the local executor and through a one-node Slurm
# cluster started here, must give the same trials with the same results for the same seed, and
# the returned model must fit the budgets when deployed. Usage: tune_search_test.sh PATH/TO/tinyforge
set -euo pipefail
tinyforge="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d /tmp/tinyforge-tune-test.XXXXXX)"
slurm_dir=""
cleanup() {
  if [ -n "$slurm_dir" ]; then slurm_cluster_stop "$slurm_dir"; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

python3 "$here/fashion_subset.py" "$work/data" 2000 500
cat >"$work/project.yaml" <<'YAML'
name: tune-ci
data: {format: fashion_mnist, path: not-here}   # --data gives the folder
model: {zoo: cnn}
training:
  epochs: 2
  batch_size: 64
  seed: 1234
  optimizer: {name: adam, learning_rate: 0.001}
tune:
  families: [cnn, ds_cnn]
  width: [0.25, 0.5]
  depth: [1, 2]
  kernel: [3]
  resolution: [20, 28]
  learning_rate: [0.002, 0.004]
YAML
search=(tune "$work/project.yaml" --data "$work/data" --board mps2-an386 --max-arena 32KB --max-flash 64KB
  --trials 6 --epochs 2 --seed 3 --json)

"$tinyforge" "${search[@]}" --out "$work/local" >"$work/local.out" 2>"$work/local.err" ||
  { tail -20 "$work/local.err"; fail "the local search failed"; }
local_json="$(tail -1 "$work/local.out")"

# Six candidates trained, the over-budget ones pruned before any training.
trained=$(jq '[.trials[] | select(.epochs > 0)] | length' <<<"$local_json")
[ "$trained" -eq 6 ] || fail "expected 6 trained trials, got $trained"
jq -e '[.trials[] | select(.status == "pruned")] | all(.reason | test("flash|arena"))' \
  <<<"$local_json" >/dev/null || fail "a pruned trial does not say which budget it broke"
jq -e '[.trials[] | select(.status == "pruned")] | all(.epochs == 0)' <<<"$local_json" \
  >/dev/null || fail "a pruned trial was trained"
jq -e '.pareto | length > 0' <<<"$local_json" >/dev/null || fail "no Pareto front"

# The returned model fits when deployed (the search deployed it; deploy it again independently).
best="$(jq -r .best_model <<<"$local_json")"
[ -f "$best" ] || fail "best_model $best missing"
[ -f "$(dirname "$best")/project.yaml" ] || fail "the best model's project file is missing"
deployed="$("$tinyforge" deploy "$best" --board mps2-an386 -o "$work/deploy" --json 2>/dev/null |
  tail -1)"
flash=$(jq '.flash_code_bytes + .flash_model_bytes' <<<"$deployed")
arena=$(jq .ram_arena_bytes <<<"$deployed")
[ "$flash" -le 65536 ] || fail "the best model takes $flash bytes of flash (budget 65536)"
[ "$arena" -le 32768 ] || fail "the best model takes a $arena-byte arena (budget 32768)"
[ "$flash" -eq "$(jq .flash_bytes <<<"$local_json")" ] ||
  fail "tune's flash figure $(jq .flash_bytes <<<"$local_json") differs from deploy's $flash"
[ "$arena" -eq "$(jq .arena_bytes <<<"$local_json")" ] ||
  fail "tune's arena figure $(jq .arena_bytes <<<"$local_json") differs from deploy's $arena"
echo "local: best $(jq -r .best_trial <<<"$local_json"), int8 $(jq .test_accuracy_pct \
  <<<"$local_json") %, flash $flash, arena $arena"

# A candidate at resolution 20 trained on images resampled to 20x20: its model takes 20x20.
small="$(jq -r '[.trials[] | select(.status == "trained" and .candidate.resolution == 20)][0].model
  // empty' <<<"$local_json")"
[ -n "$small" ] || fail "no trained trial at resolution 20"
shape="$("$tinyforge" inspect "$small" --json 2>/dev/null | tail -1 | jq -c '.inputs[0].shape')"
[ "$shape" = "[1,20,20,1]" ] || fail "a resolution-20 trial's model takes $shape, not [1,20,20,1]"

# Run again into the same directory: every trial is read back, none retrained, same answer.
"$tinyforge" "${search[@]}" --out "$work/local" >"$work/again.out" 2>"$work/again.err"
again_json="$(tail -1 "$work/again.out")"
grep -Eq "trials? on local \(0 done before\)" "$work/again.err" &&
  fail "the continued search trained trials again"
summary='[.trials[] | {trial, status, epochs, test_accuracy_pct, arena_bytes, flash_bytes,
  instructions}]'
[ "$(jq -c "$summary" <<<"$local_json")" = "$(jq -c "$summary" <<<"$again_json")" ] ||
  fail "the continued search differs from the first"

# The same search through Slurm.
if [ "$(id -u)" -ne 0 ] || ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  if [ "${CI:-}" = "true" ]; then fail "the Slurm half needs root, slurm-wlm and munge"; fi
  echo "SKIP: the Slurm half needs root, slurm-wlm and munge (scripts/setup installs them)"
  exit 0
fi
# shellcheck source=tests/tune/slurm_cluster.sh
source "$here/slurm_cluster.sh"
slurm_dir="$work/slurm"
slurm_cluster_start "$slurm_dir" || fail "the Slurm cluster did not start"
"$tinyforge" "${search[@]}" --executor slurm --out "$work/slurm-run" >"$work/slurm.out" \
  2>"$work/slurm.err" || { tail -20 "$work/slurm.err"; fail "the Slurm search failed"; }
slurm_json="$(tail -1 "$work/slurm.out")"
[ "$(jq -r .executor <<<"$slurm_json")" = slurm ] || fail "the search did not run on Slurm"
grep -q "tf-" "$slurm_dir/jobcomp.txt" || fail "Slurm's job log records no trial jobs"
[ "$(jq -c "$summary" <<<"$local_json")" = "$(jq -c "$summary" <<<"$slurm_json")" ] ||
  fail "local and Slurm searches differ: $(jq -c "$summary" <<<"$local_json") vs $(jq -c \
    "$summary" <<<"$slurm_json")"
[ "$(jq -r .best_trial <<<"$local_json")" = "$(jq -r .best_trial <<<"$slurm_json")" ] ||
  fail "local and Slurm searches chose different models"
echo "slurm: the same $(jq '.trials | length' <<<"$slurm_json") trials and results as local"
