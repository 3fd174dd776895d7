#!/usr/bin/python3
"""Writes long 16 kHz streams for streaming keyword-spotting tests, with the truth as CSV.

Speakers use only the held-out (test) espeak-ng voice variants of make_data.py, so no voice in
a stream was heard in training. The background changes every 5-20 s between white, pink and
brown noise and mains hums, at levels from quiet to loud; each word is mixed at a random SNR
over the background around it. Written to OUT:

  keywords.wav, keywords.csv   keywords (and some other words) every --gap seconds
  negative.wav, negative.csv   the same background with other words only: no keyword, for
                               false accepts per hour

The CSVs have a header `time_s,word` and one row per spoken word: time_s is the word's onset
(its first sound, within 10 ms) in seconds from the start of the WAV; word is the keyword, or
_unknown_ for any other word. negative.csv has only _unknown_ rows.
"""
import argparse
import array
import bisect
import os
import sys

sys.dont_write_bytecode = True  # run from the source tree: leave no __pycache__ there
import speech  # noqa: E402
from speech import datagen  # noqa: E402

RATE = speech.RATE


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1] + """
sizes:
  CI (seconds):   make_stream.py --out /tmp/stream --minutes 0.25 --negative-minutes 0.25
  full (minutes): make_stream.py --out stream       (10 + 30 minutes)
""", formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--out", default=os.path.join(here, "stream"),
                        help="output directory (default: %(default)s)")
    parser.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    parser.add_argument("--keywords", type=datagen.csv_list, default=speech.DEFAULT_KEYWORDS,
                        help="comma-separated keywords (default: %s)" %
                        ",".join(speech.DEFAULT_KEYWORDS))
    parser.add_argument("--unknown-words", type=datagen.csv_list, default=None,
                        help="other words (default: common words minus the keywords)")
    parser.add_argument("--minutes", type=float, default=10.0,
                        help="length of keywords.wav (default: %(default)s)")
    parser.add_argument("--negative-minutes", type=float, default=30.0,
                        help="length of negative.wav (default: %(default)s; 0 skips it)")
    parser.add_argument("--gap", type=datagen.float_range, default=(1.0, 4.0), metavar="LOW,HIGH",
                        help="seconds from the end of one word to the next (default: 1,4)")
    parser.add_argument("--unknown-share", type=float, default=0.25,
                        help="share of the words in keywords.wav that are not keywords "
                        "(default: %(default)s)")
    parser.add_argument("--speakers", type=int, default=len(speech.TEST_VARIANTS),
                        help="held-out speakers (default: %(default)s, one per test variant)")
    parser.add_argument("--snr", type=datagen.float_range, default=(5.0, 30.0), metavar="LOW,HIGH",
                        help="speech-to-noise ratio range in dB (default: 5,30)")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args()
    if args.unknown_words is None:
        args.unknown_words = [w for w in speech.OTHER_WORDS if w not in args.keywords]
    if set(args.unknown_words) & set(args.keywords):
        parser.error("--unknown-words and --keywords overlap")
    if args.minutes <= 0 or args.negative_minutes < 0 or args.speakers < 1:
        parser.error("--minutes must be positive, --speakers at least 1")
    if not 0.0 <= args.unknown_share <= 1.0:
        parser.error("--unknown-share must lie within 0..1")
    return args


def schedule(args, rng, seconds, unknown_share):
    """(onset estimate, word, speaker index) with gaps drawn per word; durations come later."""
    words, t = [], rng.uniform(*args.gap)
    while t < seconds:
        unknown = rng.random() < unknown_share
        word = rng.choice(args.unknown_words if unknown else args.keywords)
        words.append([t, word, rng.randrange(args.speakers)])
        t += 1.0 + rng.uniform(*args.gap)  # words last < 1 s; exact onsets are set when placed
    return words


def background(bank, rng, length):
    """Noise whose kind and level change every 5-20 s, with 0.5 s crossfades. Also returns the
    segments' (first sample, RMS level), for the SNR of the words over them."""
    out = array.array("d", bytes(8 * length))
    segments = []
    fade = RATE // 2
    start = 0
    while start < length:
        n = min(length - start, int(rng.uniform(5.0, 20.0) * RATE) + fade)
        level = datagen.db(rng.uniform(-55.0, -25.0))
        gain = level / 0.1  # bank tracks have RMS 0.1
        noise = bank.segment(rng, rng.choice(speech.NoiseBank.KINDS), n)
        for i in range(n):
            ramp = min(1.0, (i + 1) / fade) if start > 0 else 1.0
            out[start + i] = out[start + i] * (1.0 - ramp) + noise[i] * gain * ramp
        segments.append((start, level))
        if start + n >= length:
            break
        start += n - fade
    return out, segments


def render(args, speakers, bank, name, seconds, unknown_share, out_dir):
    """Writes <name>.wav and <name>.csv; returns the number of words."""
    rng = datagen.derive_rng(args.seed, "stream", name)
    length = int(round(seconds * RATE))
    words = schedule(args, rng, seconds, unknown_share)
    clips = [None] * len(words)
    for index, speaker in enumerate(speakers):
        mine = [i for i, w in enumerate(words) if w[2] == index]
        if mine:
            spoken = speech.speak(speaker, [speech.Utterance(words[i][1], rng) for i in mine])
            for i, clip in zip(mine, spoken):
                clips[i] = clip
    mix, segments = background(bank, rng, length)
    starts = [first for first, _ in segments]
    truth, cursor = [], 0
    for (t, word, _), clip in zip(words, clips):
        start = max(cursor, int(t * RATE))  # never overlap the previous word
        if start + len(clip) > length:
            break
        voice = [s / 32768.0 for s in clip]
        level = segments[bisect.bisect_right(starts, start) - 1][1]
        gain = level * datagen.db(rng.uniform(*args.snr)) / datagen.rms(voice)
        gain = min(gain, 0.9 / max(abs(v) for v in voice))
        for i, v in enumerate(voice):
            mix[start + i] += v * gain
        onset = (start + speech.ONSET_MS * RATE // 1000) / RATE
        truth.append("%.3f,%s\n" % (onset, word if word in args.keywords else "_unknown_"))
        cursor = start + len(clip) + RATE // 4
    datagen.write_wav(os.path.join(out_dir, name + ".wav"), datagen.to_int16(mix), RATE)
    datagen.write_text(os.path.join(out_dir, name + ".csv"), "time_s,word\n" + "".join(truth))
    return len(truth)


def main():
    args = parse_args()
    datagen.require_tools("espeak-ng", "sox")
    speakers = speech.held_out_speakers(args.seed, args.speakers)
    streams = [("keywords", args.minutes * 60, args.unknown_share)]
    if args.negative_minutes > 0:
        streams.append(("negative", args.negative_minutes * 60, 1.0))
    # background segments last up to 20 s and 0.5 s of crossfade
    bank = speech.NoiseBank(args.seed, min(20.5, max(s for _, s, _ in streams)))
    progress = datagen.Progress(len(streams), "streams", args.quiet)
    with datagen.build_dir(args.out, args.overwrite) as out:
        for name, seconds, share in streams:
            words = render(args, speakers, bank, name, seconds, share, out)
            if not args.quiet:
                sys.stderr.write("make_stream.py: %s.wav: %.1f min, %d words\n" %
                                 (name, seconds / 60, words))
            progress.step()


if __name__ == "__main__":
    datagen.entry(main)
