#!/usr/bin/env python3
"""The object-detection example (examples/detection) at full size, for a 96x96 and a 160x160
input: generate the LabelImg scenes, train the centroid detector (FOMO-style), convert it to
int8, evaluate both on the test split (macro centroid F1, counting error), evaluate the int8 model
on mps2-an386 under QEMU (instructions per frame, arena) and build `deploy --app detect` (flash,
RAM).

Usage: bench/detection.py [TINYFORGE] [WORK]
       (defaults: build/cli/tinyforge, /tmp/tinyforge-detection-bench)

Figures from the commands' --json. Instruction counts are deterministic; F1 depends on the
(seeded) training run. Prints a Markdown table for bench/RESULTS.md.
"""
import sys
from pathlib import Path

from product_bench import ROOT, generate, tool_json, train_and_convert

PROJECT = ROOT / "examples" / "detection" / "detection.yaml"
BOARD = "mps2-an386"
SCENES = 1500


def project_at(size, work):
    """The example project with its input at size x size (the data path comes from --data)."""
    text = PROJECT.read_text().replace("{width: 96, height: 96,",
                                       "{width: %d, height: %d," % (size, size))
    path = Path(work) / ("detection-%d.yaml" % size)
    path.write_text(text)
    return path


def main():
    tool = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "build" / "cli" / "tinyforge")
    work = Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/tinyforge-detection-bench")
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for size in (96, 160):
        data = work / ("data-%d" % size)
        generate("detection/make_data.py", data, "--scenes", SCENES, "--size", size, "--quiet")
        project = project_at(size, work)
        trained, converted, int8 = train_and_convert(tool, project, data, work / ("run-%d" % size))
        host = tool_json(tool, "eval", int8, project, "--data", data)
        board = tool_json(tool, "eval", int8, project, "--data", data, "--board", BOARD,
                          "--limit", 10)
        deployed = tool_json(tool, "deploy", int8, "--board", BOARD, "--app", "detect", "-o",
                             work / ("deploy-%d" % size))
        rows.append((size, trained, converted, host, board, deployed))
    print("| input | grid | float F1 | int8 F1 | int8 precision / recall | counting error | "
          "params | MACs | instructions per frame | arena B | flash model + code B | "
          "seconds per epoch |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for size, t, c, h, b, d in rows:
        epochs = t["seconds_per_epoch"]
        print("| %dx%d | %dx%d | %.3f | %.3f | %.3f / %.3f | %.3f | %s | %s | %s | %s | %s + %s | "
              "%.1f |" % (size, size, size // 8, size // 8, c["float_f1"], h["f1"],
                          h["precision"], h["recall"], h["count_mae"], f"{t['params']:,}",
                          f"{t['macs']:,}", f"{b['instructions']:,}", f"{b['arena_bytes']:,}",
                          f"{d['flash_model_bytes']:,}", f"{d['flash_code_bytes']:,}",
                          sum(epochs) / max(1, len(epochs))))


if __name__ == "__main__":
    main()
