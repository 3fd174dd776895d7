#!/usr/bin/python3
"""Simulates accelerometer recordings of hand gestures, one CSV per recording.

Each simulated person (own tempo, size of movement, left or right hand, device orientation,
sensor noise, bias and scale error) records each gesture --recordings times; a recording is
--seconds of the gesture performed over and over, fading in from rest and back out. Written
to OUT:

  <gesture>/<person>_<n>.csv    header t,ax,ay,az: t in seconds from 0, acceleration in g
                                including gravity (1 g up at rest), --rate rows a second

e.g. circle/p07_002.csv: person p07's third circle recording. Split by file (recording), or by
the person prefix to test on people never seen in training.
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
  CI (seconds):  make_data.py --out /tmp/gestures --persons 2 --recordings 1 --seconds 3
  full:          make_data.py --out data  (30 persons x 5 recordings x 5 gestures x 6 s)
""", formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--out", default=os.path.join(here, "data"),
                        help="output directory (default: %(default)s)")
    parser.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    parser.add_argument("--gestures", type=datagen.csv_list, default=motion.GESTURES,
                        help="gestures (default and choices: %s)" % ",".join(motion.GESTURES))
    parser.add_argument("--persons", type=int, default=30, help="people (default: %(default)s)")
    parser.add_argument("--recordings", type=int, default=5,
                        help="recordings per person and gesture (default: %(default)s)")
    parser.add_argument("--seconds", type=datagen.float_range, default=(5.0, 8.0),
                        metavar="LOW[,HIGH]", help="recording length range (default: 5,8)")
    parser.add_argument("--rate", type=float, default=100.0,
                        help="samples per second (default: %(default)s)")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args()
    unknown = set(args.gestures) - set(motion.GESTURES)
    if unknown:
        parser.error("unknown gesture %s (known: %s)" % (", ".join(sorted(unknown)),
                                                          ", ".join(motion.GESTURES)))
    if min(args.persons, args.recordings) < 1 or args.rate <= 0 or args.seconds[0] < 1.0:
        parser.error("--persons, --recordings and --rate must be positive, --seconds >= 1")
    return args


def main():
    args = parse_args()
    persons = [motion.Person(args.seed, "p%02d" % p) for p in range(args.persons)]
    progress = datagen.Progress(len(args.gestures) * len(persons) * args.recordings,
                                "recordings", args.quiet)
    with datagen.build_dir(args.out, args.overwrite) as out:
        for kind in args.gestures:
            for person in persons:
                for n in range(args.recordings):
                    rng = datagen.derive_rng(args.seed, "recording", kind, person.name, n)
                    seconds = rng.uniform(*args.seconds)
                    samples = motion.record(person, motion.Gesture(kind, person, rng), seconds,
                                            args.rate, rng)
                    datagen.write_text(os.path.join(out, kind, "%s_%03d.csv" % (person.name, n)),
                                       motion.csv_text(samples, args.rate))
                    progress.step()


if __name__ == "__main__":
    datagen.entry(main)
