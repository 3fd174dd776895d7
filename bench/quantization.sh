#!/bin/bash
# PTQ that loses less (issue 16): one trained model converted to int8 plainly and with each of
# convert's accuracy options, then all of them together, then mixed precision within an arena
# budget, alone and after the others; one line per variant with the accuracy of the written
# file in tinyforge's runtime.
#
#   bench/quantization.sh TINYFORGE MODEL.tfm OUTDIR MAX_ARENA [convert flags for every run...]
#   e.g. bench/quantization.sh build/cli/tinyforge runs/fashion-mnist-cnn/model.tfm /tmp/q 32KB
#
# Runs one conversion at a time under nice (AdaRound trains every layer: minutes per model).
# VARIANTS="adaround mixed" runs only those (default: all seven).
set -euo pipefail
tool=$1 model=$2 out=$3 arena=$4
shift 4
mkdir -p "$out"
all="--equalize --adaround --bias-correction"
variants=("" "--bias-correction" "--equalize" "--adaround" "$all"
          "--mixed-precision --max-arena $arena" "$all --mixed-precision --max-arena $arena")
names=(plain bias_correction equalize adaround all mixed_only mixed)
for i in "${!variants[@]}"; do
  [[ " ${VARIANTS:-${names[*]}} " == *" ${names[$i]} "* ]] || continue
  # shellcheck disable=SC2086  # the variants are lists of flags
  nice "$tool" convert "$model" --int8 ${variants[$i]} "$@" --no-report \
    -o "$out/${names[$i]}.tflite" --json 2>"$out/${names[$i]}.err" | tail -1 >"$out/${names[$i]}.json"
  jq -c --arg v "${names[$i]}" '{variant: $v, float_accuracy_pct, output_accuracy_pct,
      arena_bytes, model_bytes, seconds,
      int16_layers: (.mixed_precision.int16_layers // null)}' "$out/${names[$i]}.json"
done
