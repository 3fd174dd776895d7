#!/usr/bin/env python3
"""examples/keyword-spotting at full size: the example project trained as it is on synthesized
speech (test = voices never heard in training), int8, streaming recognition on long recordings
by held-out voices (false rejects on 10 minutes of keywords at known times, false accepts per
hour on 30 minutes of other words and noise), and the firmware on mps2-an386.

Usage: bench/keyword_spotting.py [TINYFORGE] [WORKDIR] [RUN]
       (defaults: build/cli/tinyforge, /tmp/tinyforge-bench-kws)

RUN: a finished `tinyforge train examples/keyword-spotting/kws.yaml --data WORKDIR/data --out RUN`
to measure instead of training one (training takes about 15 minutes on 2 cores).

Data are generated into WORKDIR once (seeded). The board runs the first minute of the keyword
stream (QEMU counts every instruction exactly; the whole 40 minutes would take most of an hour):
its events must equal the host's on that minute.
"""
import csv
import sys
import wave
from pathlib import Path

from product_bench import ROOT, device_figures, generate, tool_json, train_and_convert

BOARD = "mps2-an386"
SPEAKERS = 400
PERIOD = 5  # the classifier every fifth 20 ms stride, as the README deploys it


def excerpt(source, target, seconds):
    with wave.open(str(source)) as w:
        rate, frames = w.getframerate(), w.readframes(int(seconds * w.getframerate()))
    with wave.open(str(target), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)


def score(events, onsets_csv, seconds):
    """Keywords whose event fired within 1.5 s of their onset; other keyword events are false."""
    onsets = [(float(r["time_s"]), r["word"]) for r in csv.DictReader(open(onsets_csv))
              if r["word"] != "_unknown_" and float(r["time_s"]) + 1.5 <= seconds]
    heard = sum(any(e["label"] == w and t <= e["time_ms"] / 1000 <= t + 1.5 for e in events)
                for t, w in onsets)
    false = sum(not any(e["label"] == w and t <= e["time_ms"] / 1000 <= t + 1.5
                        for t, w in onsets) for e in events)
    return heard, len(onsets), false


def main():
    tool = Path(sys.argv[1] if len(sys.argv) > 1 else "build/cli/tinyforge").resolve()
    work = Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/tinyforge-bench-kws")
    work.mkdir(parents=True, exist_ok=True)
    data, stream = work / "data", work / "stream"
    generate("keyword-spotting/make_data.py", data, "--speakers", SPEAKERS, "--jobs", 2, "--quiet")
    generate("keyword-spotting/make_stream.py", stream, "--quiet")
    project = ROOT / "examples" / "keyword-spotting" / "kws.yaml"
    if len(sys.argv) > 3:
        run = Path(sys.argv[3]).resolve()
        trained = tool_json(tool, "eval", run / "model.tfm", project, "--data", data)
        int8 = run / "model_int8.tflite"
        converted = tool_json(tool, "convert", run / "model.tfm", "--int8", "-o", int8)
    else:
        run = work / "run"
        trained, converted, int8 = train_and_convert(tool, project, data, run)
    size = tool_json(tool, "inspect", int8)
    features = run / "features.tflite"

    stream_args = ["stream", int8, "--app", "kws", "--features", features, "--period", PERIOD]
    keywords = tool_json(tool, *stream_args, "-i", stream / "keywords.wav")
    negative = tool_json(tool, *stream_args, "-i", stream / "negative.wav")
    heard, spoken, false_in_keywords = score(keywords["events"], stream / "keywords.csv",
                                             keywords["seconds"])
    minute = work / "keywords-1min.wav"
    excerpt(stream / "keywords.wav", minute, 60)
    host_minute = tool_json(tool, *stream_args, "-i", minute)
    device = device_figures(tool, int8, features, "kws", BOARD, minute, work)
    device_every = tool_json(tool, "stream", int8, "--app", "kws", "--features", features,
                             "-i", minute, "--board", BOARD, "--period", PERIOD)
    inference = tool_json(tool, "eval", int8, project, "--data", data, "--board", BOARD,
                          "--limit", 10)

    print("| figure | value |")
    print("|---|---:|")
    print(f"| held-out voices, float / int8 top-1 (12 classes) | "
          f"{trained['test_accuracy_pct']:.2f} % / {converted['quantized_accuracy_pct']:.2f} % "
          f"({trained['evaluated_samples']} clips) |")
    print(f"| parameters / MACs | {size['params']:,} / {size['macs']:,} |")
    print(f"| keyword stream ({keywords['seconds'] / 60:.0f} min): keywords heard | "
          f"{heard} of {spoken} (false rejects {100 * (spoken - heard) / spoken:.1f} %), "
          f"{false_in_keywords} wrong events |")
    print(f"| false accepts on {negative['seconds'] / 60:.0f} min of other words and noise | "
          f"{len(negative['events'])} ({len(negative['events']) * 3600 / negative['seconds']:.1f}"
          " per hour) |")
    print(f"| first minute: events identical on host and {BOARD} | "
          f"{'yes' if host_minute['events'] == device_every['events'] else 'NO'} |")
    print(f"| classifier instructions per inference ({BOARD}) | {inference['instructions']:,} |")
    print(f"| worst 20 ms stride with the classifier (instructions) | "
          f"{device_every['worst_window_instructions']:,} |")
    print(f"| instructions per second of audio (classifier every {PERIOD * 20} ms) | "
          f"{device_every['instructions_per_second']:,.0f} |")
    print(f"| clock to keep up: every stride's work, on average / the worst stride | "
          f"{device_every['instructions_per_second'] / 1e6:.1f} MHz / "
          f"{device_every['worst_window_instructions'] / 0.02 / 1e6:.0f} MHz |")
    print(f"| arena (classifier + features) | {device['arena_bytes']:,} bytes |")
    print(f"| flash (code + models) / RAM (arena, static, stack) | {device['flash_bytes']:,} / "
          f"{device['ram_bytes']:,} bytes |")


if __name__ == "__main__":
    main()
