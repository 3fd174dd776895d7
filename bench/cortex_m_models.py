#!/usr/bin/env python3
"""Instructions per inference, arena and flash of the MLPerf Tiny / TFLM example models on the
emulated Cortex-M boards, beside TFLite Micro's rows in ../shared/baselines/tflm_cortex_m.csv.

Usage: bench/cortex_m_models.py [TINYFORGE] [SHARED]   (defaults: build/cli/tinyforge, ../shared)

Every figure comes from the toolkit's own commands: `tinyforge run --board B --random 1 --json`
(instructions counted exactly by the QEMU TCG plugin between the invoke markers; arena bytes as the
32-bit firmware planned them) and `tinyforge deploy --board B --json` (flash of the per-model image,
code and model separately), and `tinyforge inspect --json` (multiply-accumulates per inference, for
MACs per instruction). Instruction counts are deterministic, so one run is enough.

Patch-based execution (docs/runtime.md): where the device plan runs a patch stage (`inspect
--board B --json`: device_patch_ops, device_patch_tiles), the model also runs with `--no-patches`
and the last columns give that run's arena and instructions; "extra MACs" is 0 (bands keep the
rows they share instead of computing them again) and "moved B" the bytes of those rows moved per
inference.
"""
import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

MODELS = {
    "mps2-an386": ["hello_world_int8", "micro_speech_quantized", "kws_ref_model", "ad01_int8",
                   "pretrainedResnet_quant", "vww_96_int8", "person_detect"],
    "mps3-an547": ["hello_world_int8", "kws_ref_model", "person_detect"],
}
CPU_OF_BOARD = {"mps2-an386": "m4f", "mps3-an547": "m55"}


def tinyforge_json(tool, args):
    done = subprocess.run([tool] + args + ["--json"], capture_output=True, text=True)
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "{}"
    result = json.loads(last)
    if done.returncode != 0 or "error" in result:
        raise SystemExit(f"{' '.join(args)}: {result.get('error', done.stderr.strip())}")
    return result


def main():
    tool = sys.argv[1] if len(sys.argv) > 1 else "build/cli/tinyforge"
    shared = Path(sys.argv[2] if len(sys.argv) > 2 else "../shared")
    baseline = {}
    with open(shared / "baselines" / "tflm_cortex_m.csv") as f:
        for row in csv.DictReader(f):
            baseline[(row["cpu"], row["variant"], row["model"])] = row

    header = ("| board | model | instructions | /TFLM ref | /TFLM CMSIS-NN | MACs/instruction "
              "| arena B | /TFLM CMSIS-NN | flash code B | flash model B "
              "| code / TFLM CMSIS-NN code | stage (ops x bands) | extra MACs | moved B "
              "| arena B without patches | instructions without patches |")
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    with tempfile.TemporaryDirectory() as scratch:
        for board, models in MODELS.items():
            cpu = CPU_OF_BOARD[board]
            for name in models:
                model = str(shared / "conformance" / "models" / f"{name}.tflite")
                run = tinyforge_json(tool, ["run", model, "--board", board, "--random", "1"])
                deploy = tinyforge_json(
                    tool, ["deploy", model, "--board", board, "-o", f"{scratch}/{board}-{name}"])
                inspect = tinyforge_json(tool, ["inspect", model, "--board", board])
                macs = inspect["macs"]
                stage, without = "—", "| — | — |"
                if inspect.get("device_patch_ops", 0) > 0:
                    stage = f"{inspect['device_patch_ops']} x {inspect['device_patch_tiles']}"
                    plain = tinyforge_json(
                        tool, ["run", model, "--board", board, "--random", "1", "--no-patches"])
                    without = f"| {plain['arena_bytes']:,} | {plain['instructions']:,} |"
                ref = baseline[(cpu, "ref", name)]
                cmsis = baseline[(cpu, "cmsis_nn", name)]
                insns = run["instructions"]
                tflm_code = int(cmsis["flash_text_plus_data"]) - int(cmsis["model_bytes"])
                print(f"| {board} | {name} | {insns:,} "
                      f"| {insns / int(ref['insns_per_invoke']):.2f} "
                      f"| {insns / int(cmsis['insns_per_invoke']):.2f} "
                      f"| {macs / insns:.2f} "
                      f"| {run['arena_bytes']:,} "
                      f"| {run['arena_bytes'] / int(cmsis['arena_used_bytes']):.2f} "
                      f"| {deploy['flash_code_bytes']:,} | {deploy['flash_model_bytes']:,} "
                      f"| {deploy['flash_code_bytes'] / tflm_code:.2f} "
                      f"| {stage} | 0 | {inspect.get('device_patch_moved_bytes', 0):,} "
                      f"{without}", flush=True)


if __name__ == "__main__":
    main()
