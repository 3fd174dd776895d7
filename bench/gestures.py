#!/usr/bin/env python3
"""examples/gestures at full size: the example project trained as it is (test = held-out
recordings), the same recipe tested on people it never saw, int8, and the stream application on
mps2-an386 (a 10-minute recording by another person, gestures at known times).

Usage: bench/gestures.py [TINYFORGE] [WORKDIR]   (defaults: build/cli/tinyforge, /tmp/tinyforge-bench-gestures)

Data are generated into WORKDIR once (seeded: the same bytes every time). Training is seeded too;
the instruction counts are exact (QEMU's TCG plugin), so one run is enough.
"""
import csv
import sys
from pathlib import Path

from product_bench import ROOT, device_figures, generate, tool_json, train_and_convert

BOARD = "mps2-an386"


def recognised(events, truth_csv, seconds):
    """Gestures (not idle) during which an event of their label fired, of those performed, and
    events whose label was not being performed (within 1 s after a change) as false."""
    rows = list(csv.DictReader(open(truth_csv)))
    spans = [(float(r["time_s"]), float(rows[i + 1]["time_s"]) if i + 1 < len(rows) else seconds,
              r["gesture"]) for i, r in enumerate(rows)]
    performed = [s for s in spans if s[2] != "idle"]
    hits = sum(any(e["label"] == g and b <= e["time_ms"] / 1000 <= end + 1 for e in events)
               for b, end, g in performed)
    false = sum(not any(e["label"] == g and b <= e["time_ms"] / 1000 <= end + 1
                        for b, end, g in spans) for e in events)
    return hits, len(performed), false


def main():
    tool = Path(sys.argv[1] if len(sys.argv) > 1 else "build/cli/tinyforge").resolve()
    work = Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/tinyforge-bench-gestures")
    work.mkdir(parents=True, exist_ok=True)
    data, people, stream = work / "data", work / "new-people", work / "stream"
    generate("gestures/make_data.py", data, "--quiet")
    generate("gestures/make_data.py", people, "--persons", 10, "--seed", 7, "--quiet")
    generate("gestures/make_stream.py", stream, "--quiet")
    project = ROOT / "examples" / "gestures" / "gestures.yaml"

    run = work / "run"
    trained, converted, int8 = train_and_convert(tool, project, data, run)
    # The same recipe with a test set of ten people not in the data.
    text = project.read_text().replace(
        "splits: {validation: 0.15, test: 0.15}",
        f"splits: {{validation: 0.15}}\n  test_path: {people}")
    unseen_project = work / "gestures-new-people.yaml"
    unseen_project.write_text(text)
    unseen = tool_json(tool, "train", unseen_project, "--data", data, "--out", work / "run-people",
                       "--overwrite")
    unseen_int8 = tool_json(tool, "convert", work / "run-people" / "model.tfm", "--int8", "-o",
                            work / "run-people" / "model_int8.tflite")
    device = device_figures(tool, int8, run / "features.tflite", "gesture", BOARD,
                            stream / "stream.csv", work)
    inference = tool_json(tool, "eval", int8, project, "--data", data, "--board", BOARD,
                          "--limit", 20)
    host_stream = tool_json(tool, "stream", int8, "--app", "gesture", "--features",
                            run / "features.tflite", "-i", stream / "stream.csv")
    hits, performed, false = recognised(device["events"], stream / "truth.csv",
                                        host_stream["seconds"])

    print("| figure | value |")
    print("|---|---:|")
    print(f"| held-out recordings, float / int8 top-1 | {trained['test_accuracy_pct']:.2f} % / "
          f"{converted['quantized_accuracy_pct']:.2f} % ({trained['evaluated_samples']} windows) |")
    print(f"| ten unseen people, float / int8 top-1 | {unseen['test_accuracy_pct']:.2f} % / "
          f"{unseen_int8['quantized_accuracy_pct']:.2f} % ({unseen['evaluated_samples']} windows) |")
    print(f"| parameters / MACs | {trained['params']:,} / {trained['macs']:,} |")
    print(f"| stream ({host_stream['seconds'] / 60:.0f} min, another person): gestures recognised "
          f"| {hits} of {performed}, {false} false events |")
    print(f"| stream events identical on host and {BOARD} | "
          f"{'yes' if host_stream['events'] == device['events'] else 'NO'} |")
    print(f"| classifier instructions per inference ({BOARD}) | "
          f"{inference['instructions']:,} |")
    print(f"| worst stride, features + classifier (instructions) | "
          f"{device['worst_window_instructions']:,} |")
    print(f"| instructions per second of input | {device['instructions_per_second']:,.0f} |")
    print(f"| headroom of the worst {device['stride'] * 10} ms stride at {device['clock_mhz']:g} "
          f"MHz | {device['headroom_pct']:.2f} % |")
    print(f"| arena (classifier + features) | {device['arena_bytes']:,} bytes |")
    print(f"| flash (code + models) / RAM (arena, static, stack) | {device['flash_bytes']:,} / "
          f"{device['ram_bytes']:,} bytes |")


if __name__ == "__main__":
    main()
