#!/usr/bin/env python3
"""TFLM's micro_speech as a stream product on the emulated boards: the audio preprocessor (30 ms
windows every 20 ms, 40 int8 features) and the classifier over the last 49 frames, fed one second
of "yes" / "no" between a second of silence on each side.

Usage: bench/stream_micro_speech.py [TINYFORGE] [SHARED]   (defaults: build/cli/tinyforge, ../shared)

Every figure comes from `tinyforge stream ... --board B --json`: the events the firmware fired,
the instructions of each 20 ms stride counted exactly by the QEMU TCG plugin (the worst one, and
their sum per second of audio) and the headroom of the worst stride at the board's clock.
Instruction counts are deterministic, so one run is enough.
"""
import json
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

BOARDS = ["mps2-an386", "mps2-an500", "mps3-an547"]
PERIODS = [1, 5]  # the classifier every stride, and every fifth


def padded(source, target):
    with wave.open(str(source)) as w:
        rate, clip = w.getframerate(), w.readframes(w.getnframes())
    with wave.open(str(target), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\0\0" * rate + clip + b"\0\0" * rate)


def main():
    tool = sys.argv[1] if len(sys.argv) > 1 else "build/cli/tinyforge"
    shared = Path(sys.argv[2] if len(sys.argv) > 2 else "../shared")
    data = shared / "conformance" / "testdata" / "micro_speech"
    model = shared / "conformance" / "models" / "micro_speech_quantized.tflite"
    print("| board | K | word | events | worst 20 ms stride (instructions) | instructions per s "
          "of audio | clock MHz | headroom % |")
    print("|---|---:|---|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as temp:
        for word in ["yes", "no"]:
            padded(data / f"{word}_1000ms.wav", Path(temp) / f"{word}.wav")
        for board in BOARDS:
            for period in PERIODS:
                for word in ["yes", "no"]:
                    done = subprocess.run(
                        [tool, "stream", str(model), "--app", "kws", "--features",
                         str(data / "audio_preprocessor_int8.tflite"), "--labels",
                         "silence,unknown,yes,no", "--period", str(period), "--input",
                         str(Path(temp) / f"{word}.wav"), "--board", board, "--json"],
                        capture_output=True, text=True)
                    r = json.loads(done.stdout.strip().splitlines()[-1])
                    if "error" in r:
                        sys.exit(f"{board} {word}: {r['error']}")
                    events = " ".join(f"{e['label']}@{e['time_ms']}" for e in r["events"])
                    print(f"| {board} | {period} | {word} | {events} | "
                          f"{r['worst_window_instructions']:,} | "
                          f"{r['instructions_per_second']:,.0f} | {r['clock_mhz']:g} | "
                          f"{r['headroom_pct']:.1f} |")


if __name__ == "__main__":
    main()
