#!/usr/bin/python3
"""Simulates one long accelerometer recording in which the gesture changes at known times.

One person who is not among make_data.py's (same simulation, another seed stream) performs a
random sequence of gestures, each for a random 4-12 s, fading from one to the next through
rest. Written to OUT:

  stream.csv   header t,ax,ay,az (as make_data.py's recordings)
  truth.csv    header time_s,gesture: one row per segment, the time it starts
"""
import argparse
import os
import sys

sys.dont_write_bytecode = True  # run from the source tree: leave no __pycache__ there
import motion  # noqa: E402
from motion import datagen  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1] + """
sizes:
  CI (seconds):  make_stream.py --out /tmp/gesture-stream --minutes 0.5
  full:          make_stream.py --out stream  (10 minutes)
""", formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--out", default=os.path.join(here, "stream"),
                        help="output directory (default: %(default)s)")
    parser.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    parser.add_argument("--gestures", type=datagen.csv_list, default=motion.GESTURES,
                        help="gestures (default: %s)" % ",".join(motion.GESTURES))
    parser.add_argument("--minutes", type=float, default=10.0,
                        help="stream length (default: %(default)s)")
    parser.add_argument("--segment", type=datagen.float_range, default=(4.0, 12.0),
                        metavar="LOW,HIGH", help="seconds per gesture (default: 4,12)")
    parser.add_argument("--rate", type=float, default=100.0,
                        help="samples per second (default: %(default)s)")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args()
    unknown = set(args.gestures) - set(motion.GESTURES)
    if unknown:
        parser.error("unknown gesture %s (known: %s)" % (", ".join(sorted(unknown)),
                                                          ", ".join(motion.GESTURES)))
    if len(args.gestures) < 2 or args.minutes <= 0 or args.segment[0] < 1.0:
        parser.error("needs two gestures or more, --minutes > 0 and segments of at least 1 s")
    return args


def main():
    args = parse_args()
    person = motion.Person(args.seed, "stream")
    rng = datagen.derive_rng(args.seed, "stream")
    total = int(round(args.minutes * 60 * args.rate))
    samples, truth, kind = [], [], None
    progress = datagen.Progress(total, "samples", args.quiet)
    while len(samples) < total:
        kind = rng.choice([g for g in args.gestures if g != kind])
        n = min(total - len(samples), int(round(rng.uniform(*args.segment) * args.rate)))
        truth.append("%.4f,%s\n" % (len(samples) / args.rate, kind))
        samples += motion.record(person, motion.Gesture(kind, person, rng), n / args.rate,
                                 args.rate, rng)
        progress.step(n)
    with datagen.build_dir(args.out, args.overwrite) as out:
        datagen.write_text(os.path.join(out, "stream.csv"), motion.csv_text(samples, args.rate))
        datagen.write_text(os.path.join(out, "truth.csv"), "time_s,gesture\n" + "".join(truth))


if __name__ == "__main__":
    datagen.entry(main)
