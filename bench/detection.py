#!/usr/bin/env python3
"""The object-detection example (examples/detection) at full size, for a 96x96 and a 160x160
input: generate the LabelImg scenes, train the centroid detector (FOMO-style, detection.yaml) and
the box detector (CenterNet-style, box_detection.yaml), convert each to int8, evaluate both on the
test split (macro F1 and counting error; a box detector's COCO mAP@0.5 and mAP@0.5:0.95), evaluate
the int8 model on mps2-an386 under QEMU (instructions per frame, arena) and build `deploy --app
detect` (flash, RAM).

Usage: bench/detection.py [TINYFORGE] [WORK] [--detectors centroid,box] [--sizes 96,160]
       (defaults: build/cli/tinyforge, /tmp/tinyforge-detection-bench, both detectors, both sizes)

Figures from the commands' --json. Instruction counts are deterministic; F1 and mAP depend on the
(seeded) training run. Prints a Markdown table per detector for bench/RESULTS.md.
"""
import argparse
from pathlib import Path

from product_bench import ROOT, generate, tool_json, train_and_convert

PROJECTS = {"centroid": ROOT / "examples" / "detection" / "detection.yaml",
            "box": ROOT / "examples" / "detection" / "box_detection.yaml"}
BOARD = "mps2-an386"
SCENES = 1500


def project_at(detector, size, work):
    """The example project with its input at size x size (the data path comes from --data)."""
    text = PROJECTS[detector].read_text().replace("{width: 96, height: 96,",
                                                  "{width: %d, height: %d," % (size, size))
    path = Path(work) / ("%s-%d.yaml" % (detector, size))
    path.write_text(text)
    return path


def measure(tool, detector, size, work):
    data = work / ("data-%d" % size)
    generate("detection/make_data.py", data, "--scenes", SCENES, "--size", size, "--quiet")
    project = project_at(detector, size, work)
    trained, converted, int8 = train_and_convert(tool, project, data,
                                                 work / ("run-%s-%d" % (detector, size)))
    host = tool_json(tool, "eval", int8, project, "--data", data)
    board = tool_json(tool, "eval", int8, project, "--data", data, "--board", BOARD, "--limit", 10)
    deployed = tool_json(tool, "deploy", int8, "--board", BOARD, "--app", "detect", "-o",
                         work / ("deploy-%s-%d" % (detector, size)))
    return size, trained, converted, host, board, deployed


def common(size, t, b, d):
    epochs = t["seconds_per_epoch"]
    return "%s | %s | %s | %s | %s + %s | %.1f |" % (
        f"{t['params']:,}", f"{t['macs']:,}", f"{b['instructions']:,}", f"{b['arena_bytes']:,}",
        f"{d['flash_model_bytes']:,}", f"{d['flash_code_bytes']:,}",
        sum(epochs) / max(1, len(epochs)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("tool", nargs="?", default=ROOT / "build" / "cli" / "tinyforge")
    parser.add_argument("work", nargs="?", default="/tmp/tinyforge-detection-bench")
    parser.add_argument("--detectors", default="centroid,box")
    parser.add_argument("--sizes", default="96,160")
    args = parser.parse_args()
    tool, work = Path(args.tool), Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    detectors = args.detectors.split(",")
    tail = "params | MACs | instructions per frame | arena B | flash model + code B | " \
           "seconds per epoch |"
    if "centroid" in detectors:
        print("| input | grid | float F1 | int8 F1 | int8 precision / recall | counting error | "
              + tail)
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for size, t, c, h, b, d in [measure(tool, "centroid", s, work) for s in sizes]:
            print("| %dx%d | %dx%d | %.3f | %.3f | %.3f / %.3f | %.3f | %s" % (
                size, size, size // 8, size // 8, c["float_f1"], h["f1"], h["precision"],
                h["recall"], h["count_mae"], common(size, t, b, d)))
    if "box" in detectors:
        print("| input | grid | float mAP@0.5 | int8 mAP@0.5 | float mAP@0.5:0.95 | "
              "int8 mAP@0.5:0.95 | int8 precision / recall @0.5 | " + tail)
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for size, t, c, h, b, d in [measure(tool, "box", s, work) for s in sizes]:
            print("| %dx%d | %dx%d | %.3f | %.3f | %.3f | %.3f | %.3f / %.3f | %s" % (
                size, size, size // 8, size // 8, c["float_map50"], h["map50"],
                c["float_map50_95"], h["map50_95"], h["precision"], h["recall"],
                common(size, t, b, d)))


if __name__ == "__main__":
    main()
