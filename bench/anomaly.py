#!/usr/bin/env python3
"""The anomaly-detection product (examples/anomaly) at full size: train the example project on the
generated machine sounds, convert it to int8, and run it as a stream on mps2-an386.

Usage: bench/anomaly.py [TINYFORGE] [DATA] [OUT]
       (defaults: build/cli/tinyforge, /work/data/anomaly, a temporary directory)

DATA is a make_data.py folder (normal/, anomaly/); without it, generate one with
`/usr/bin/python3 examples/anomaly/make_data.py --out DATA` (full size: about 90 s).

Figures, all from the commands' --json: test ROC-AUC and pAUC (MLPerf Tiny's, FPR <= 0.1) of the
clips' reconstruction errors for the float and the int8 model, the threshold and the int8
decisions at it, training seconds; `deploy --app anomaly` on mps2-an386 (flash, RAM, arena); and
`stream --board mps2-an386` on a recording of three normal clips and two faulty ones of one
machine (events, instructions of the worst 64 ms stride, per second of audio, headroom at 25 MHz).
Instruction counts are deterministic; ROC-AUC depends on the training run (seeded).
"""
import sys
import tempfile
import wave
from pathlib import Path

from product_bench import ROOT, device_figures, train_and_convert

PROJECT = ROOT / "examples" / "anomaly" / "anomaly.yaml"
BOARD = "mps2-an386"


def concatenate(clips, target):
    frames, rate = b"", 16000
    for clip in clips:
        with wave.open(str(clip)) as w:
            rate = w.getframerate()
            frames += w.readframes(w.getnframes())
    with wave.open(str(target), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)


def main():
    tool = Path(sys.argv[1] if len(sys.argv) > 1 else "build/cli/tinyforge").resolve()
    data = Path(sys.argv[2] if len(sys.argv) > 2 else "/work/data/anomaly")
    out = Path(sys.argv[3]) if len(sys.argv) > 3 else Path(tempfile.mkdtemp(prefix="anomaly_"))
    run_dir = out / "run"
    t, c, int8 = train_and_convert(tool, PROJECT, data, run_dir)

    # One machine: three normal clips, then a rubbing and a bearing fault.
    def last(pattern):
        return sorted((data / "anomaly").glob(pattern))[-1]
    normals = sorted((data / "normal").glob("id00_normal_*.wav"))[-3:]
    recording = out / "machine.wav"
    concatenate(normals + [last("id00_rubbing_*.wav"), last("id00_bearing_*.wav")], recording)
    d = device_figures(tool, int8, run_dir / "features.tflite", "anomaly", BOARD, recording, out)

    print("| model | ROC-AUC | pAUC | threshold | precision | recall | accuracy % |")
    print("|---|---|---|---|---|---|---|")
    print("| float | %.4f | %.4f | %.4f | %.3f | %.3f | %.1f |" % (
        t["roc_auc"], t["pauc"], t["threshold"], t["precision"], t["recall"],
        t["test_accuracy_pct"]))
    print("| int8 | %.4f | %.4f | %.4f | %.3f | %.3f | %.1f |" % (
        c["quantized_roc_auc"], c["quantized_pauc"], c["threshold"], c["precision"],
        c["recall"], c["output_accuracy_pct"]))
    print()
    print("training: %d epochs, %.1f s; %d params, %d MACs per inference; %d test clips "
          "(%d anomalous)" % (t["epochs"], sum(t["seconds_per_epoch"]), t["params"], t["macs"],
                              t["clips"], t["anomalies"]))
    print("%s: flash %d bytes (model %d); RAM %d bytes (arena %d)" % (
        BOARD, d["flash_bytes"], d["flash_model_bytes"], d["ram_bytes"], d["arena_bytes"]))
    print("stream (stride %d samples): events %s; worst stride %d instructions, %.1fM per "
          "second of audio, headroom %.1f %% at %.0f MHz" % (
              d["stride"], ", ".join("%d ms" % e["time_ms"] for e in d["events"]) or "none",
              d["worst_window_instructions"], d["instructions_per_second"] / 1e6,
              d["headroom_pct"], d["clock_mhz"]))


if __name__ == "__main__":
    main()
