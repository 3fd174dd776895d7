#!/usr/bin/env python3
"""Instructions per inference, arena and flash of the MLPerf Tiny / TFLM example models on the
emulated Cortex-M boards, beside TFLite Micro's rows in ../shared/baselines/tflm_cortex_m.csv.

Usage: bench/cortex_m_models.py [--aot] [TINYFORGE] [SHARED]
       (defaults: build/cli/tinyforge, ../shared)

With --aot: the issue-17 table, the interpreter and the model compiled ahead of time (`run --board
B --aot`, `deploy --aot`; docs/aot.md) side by side on mps2-an386 (Cortex-M4F), mps2-an500 (M7) and
mps3-an547 (M55). The baselines have no Cortex-M7 rows: mps2-an500 is compared with TFLM's
Cortex-M4F figures (the same Armv7E-M DSP instructions and CMSIS-NN code paths), and
mps3-an547 only where the baselines have a Cortex-M55 row.

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
AOT_MODELS = ["kws_ref_model", "vww_96_int8", "pretrainedResnet_quant", "ad01_int8",
              "person_detect", "micro_speech_quantized"]
AOT_BOARDS = {"mps2-an386": "m4f", "mps2-an500": "m4f", "mps3-an547": "m55"}


def tinyforge_json(tool, args):
    done = subprocess.run([tool] + args + ["--json"], capture_output=True, text=True)
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "{}"
    result = json.loads(last)
    if done.returncode != 0 or "error" in result:
        raise SystemExit(f"{' '.join(args)}: {result.get('error', done.stderr.strip())}")
    return result


def ratio(value, reference):
    return f"{value / reference:.2f}" if reference else "n/a"


def aot_table(tool, shared, baseline):
    """Interpreter and AOT rows per board and model, with the issue's three ratios."""
    header = ("| board | model | runtime | instructions | /TFLM CMSIS-NN | MACs/instruction "
              "| arena B | /TFLM | flash code B | /TFLM code | flash model B |")
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    with tempfile.TemporaryDirectory() as scratch:
        for board, cpu in AOT_BOARDS.items():
            for name in AOT_MODELS:
                model = str(shared / "conformance" / "models" / f"{name}.tflite")
                macs = tinyforge_json(tool, ["inspect", model])["macs"]
                cmsis = baseline.get((cpu, "cmsis_nn", name))
                for runtime, extra in (("interpreter", []), ("aot", ["--aot"])):
                    run = tinyforge_json(tool, ["run", model, "--board", board, "--random", "1"]
                                         + extra)
                    deploy = tinyforge_json(tool, ["deploy", model, "--board", board, "-o",
                                                   f"{scratch}/{board}-{name}-{runtime}"] + extra)
                    insns = run["instructions"]
                    code = deploy["flash_code_bytes"]
                    tflm_insns = int(cmsis["insns_per_invoke"]) if cmsis else 0
                    tflm_arena = int(cmsis["arena_used_bytes"]) if cmsis else 0
                    tflm_code = (int(cmsis["flash_text_plus_data"]) - int(cmsis["model_bytes"])
                                 if cmsis else 0)
                    print(f"| {board} | {name} | {runtime} | {insns:,} "
                          f"| {ratio(insns, tflm_insns)} | {macs / insns:.2f} "
                          f"| {run['arena_bytes']:,} | {ratio(run['arena_bytes'], tflm_arena)} "
                          f"| {code:,} | {ratio(code, tflm_code)} "
                          f"| {deploy['flash_model_bytes']:,} |", flush=True)


def main():
    args = [a for a in sys.argv[1:] if a != "--aot"]
    tool = args[0] if len(args) > 0 else "build/cli/tinyforge"
    shared = Path(args[1] if len(args) > 1 else "../shared")
    baseline = {}
    with open(shared / "baselines" / "tflm_cortex_m.csv") as f:
        for row in csv.DictReader(f):
            baseline[(row["cpu"], row["variant"], row["model"])] = row
    if "--aot" in sys.argv[1:]:
        aot_table(tool, shared, baseline)
        return

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
