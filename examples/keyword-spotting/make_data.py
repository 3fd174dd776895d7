#!/usr/bin/python3
"""Synthesizes a keyword-spotting data set in the Speech Commands layout (espeak-ng and sox).

Every speaker (an espeak-ng voice with its own pitch, speed, microphone and room) says each
keyword --repeats times and --unknown-per-speaker other words; each word is placed at a random
offset in a 1 s, 16 kHz, mono, 16-bit clip and mixed with noise (white, pink, brown or a mains
hum, made by sox) at a random SNR. Written to OUT:

  <keyword>/<speaker>_nohash_<k>.wav   one folder per keyword
  _unknown_/<speaker>_nohash_<k>.wav   other words (or one folder per word: --unknown-as-words)
  _silence_/<session>_nohash_<k>.wav   noise only, at levels from near silence to loud
  _background_noise_/*.wav             long noise recordings, for augmentation (+ README.md)
  validation_list.txt, testing_list.txt  held-out clips, one relative path a line
  speakers.csv                         speaker id, split, espeak-ng voice, pitch, speed, channel

Held-out speakers use espeak-ng variants (voice qualities) that no training speaker uses, so
the test list measures accuracy on voices never heard in training.
"""
import argparse
import array
import os
import sys

sys.dont_write_bytecode = True  # run from the source tree: leave no __pycache__ there
import speech  # noqa: E402
from speech import datagen  # noqa: E402

RATE = speech.RATE
CLIP = RATE  # 1 s


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1] + """
sizes:
  CI (seconds):  make_data.py --out /tmp/kws --keywords yes,no --speakers 6 --repeats 1 \\
                   --unknown-per-speaker 2 --silence 6 --background-seconds 3
  full (minutes): make_data.py --out data  (150 speakers, 10 keywords, ~5000 clips)
""", formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--out", default=os.path.join(here, "data"),
                        help="output directory (default: %(default)s)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace OUT if it exists (only once the new data is complete)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    parser.add_argument("--keywords", type=datagen.csv_list, default=speech.DEFAULT_KEYWORDS,
                        help="comma-separated keywords (default: %s)" %
                        ",".join(speech.DEFAULT_KEYWORDS))
    parser.add_argument("--unknown-words", type=datagen.csv_list, default=None,
                        help="words for _unknown_ (default: %d common words, minus the "
                        "keywords)" % len(speech.OTHER_WORDS))
    parser.add_argument("--speakers", type=int, default=150, help="number of speakers "
                        "(default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=2,
                        help="times each speaker says each keyword (default: %(default)s)")
    parser.add_argument("--unknown-per-speaker", type=int, default=8,
                        help="other words each speaker says (default: %(default)s)")
    parser.add_argument("--unknown-as-words", action="store_true",
                        help="one folder per other word (as the real Speech Commands data set) "
                        "instead of _unknown_/")
    parser.add_argument("--silence", type=int, default=None,
                        help="noise-only clips in _silence_ (default: as many as a keyword has)")
    parser.add_argument("--validation-fraction", type=float, default=0.1,
                        help="share of speakers held out for validation (default: 0.1, at least 1)")
    parser.add_argument("--test-fraction", type=float, default=0.1,
                        help="share of speakers held out for testing (default: 0.1, at least 1)")
    parser.add_argument("--snr", type=datagen.float_range, default=(5.0, 30.0), metavar="LOW,HIGH",
                        help="speech-to-noise ratio range in dB (default: 5,30)")
    parser.add_argument("--background-seconds", type=float, default=60.0,
                        help="length of each _background_noise_ file (default: %(default)s)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="parallel processes (output does not depend on it; default: %(default)s)")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args()
    if args.unknown_words is None:
        args.unknown_words = [w for w in speech.OTHER_WORDS if w not in args.keywords]
    reserved = {"_unknown_", "_silence_", "_background_noise_"}
    if set(args.unknown_words) & set(args.keywords) or reserved & set(args.keywords):
        parser.error("--unknown-words and --keywords overlap, or a keyword is a reserved name")
    if min(args.speakers, args.repeats) < 1 or args.unknown_per_speaker < 0:
        parser.error("--speakers and --repeats must be at least 1")
    if args.silence is None:
        args.silence = args.speakers * args.repeats
    return args


class Context:
    """What every worker needs: the options and the noise bank (shared by fork)."""
    args = None
    bank = None


def mix(speech_clip, rng, snr_db):
    """A 1 s clip: the word at a random offset, noise at snr_db, a random overall level."""
    word = [s / 32768.0 for s in speech_clip[:CLIP]]
    offset = rng.randrange(0, CLIP - len(word) + 1)
    noise = Context.bank.segment(rng, rng.choice(speech.NoiseBank.KINDS), CLIP)
    gain = datagen.rms(word) / (datagen.rms(noise) * datagen.db(snr_db))
    out = array.array("d", (n * gain for n in noise))
    for i, v in enumerate(word):
        out[offset + i] += v
    return scale_to_peak(out, rng.uniform(-24.0, -1.0))


def scale_to_peak(values, peak_dbfs):
    peak = max(abs(v) for v in values) or 1.0
    return datagen.to_int16(values, datagen.db(peak_dbfs) / peak)


def speaker_clips(speaker):
    """(folder, file name, samples) of everything one speaker says."""
    args = Context.args
    rng = datagen.derive_rng(args.seed, "clips", speaker.id)
    words = [(w, w, k) for w in args.keywords for k in range(args.repeats)]
    counts = {}
    for w in rng.sample(args.unknown_words * args.unknown_per_speaker, args.unknown_per_speaker):
        folder = w if args.unknown_as_words else "_unknown_"
        counts[folder] = counts.get(folder, 0) + 1
        words.append((folder, w, counts[folder] - 1))
    rng.shuffle(words)
    utterances = [speech.Utterance(w, rng) for _, w, _ in words]
    clips = speech.speak(speaker, utterances)
    result = []
    for (folder, _, k), clip in zip(words, clips):
        snr = rng.uniform(*args.snr)
        result.append((folder, "%s_nohash_%d.wav" % (speaker.id, k), mix(clip, rng, snr)))
    return result


def write_speaker(work):
    out, speaker = work
    clips = speaker_clips(speaker)
    for folder, name, samples in clips:
        datagen.write_wav(os.path.join(out, folder, name), samples, RATE)
    return [(speaker.split, "%s/%s" % (folder, name)) for folder, name, _ in clips]


def write_silence(out):
    """Noise-only clips, dealt round-robin to sessions (ids like a speaker's, about five clips
    each, at least three so every split gets some)."""
    args = Context.args
    sessions = max(3, (args.silence + 4) // 5)
    splits = speech.split_sequence(sessions, args.validation_fraction, args.test_fraction)
    written = []
    for n in range(args.silence):
        session = n % sessions
        rng = datagen.derive_rng(args.seed, "silence", n)
        noise = Context.bank.segment(rng, rng.choice(speech.NoiseBank.KINDS), CLIP)
        name = "%s_nohash_%d.wav" % (datagen.hex_id(args.seed, "silence", session), n // sessions)
        samples = scale_to_peak(noise, rng.uniform(-70.0, -12.0))
        datagen.write_wav(os.path.join(out, "_silence_", name), samples, RATE)
        written.append((splits[session], "_silence_/" + name))
    return written


BACKGROUND = [("white_noise", "white", None), ("pink_noise", "pink", None),
              ("brown_noise", "brown", None), ("hum_50hz", "hum", 50), ("hum_60hz", "hum", 60)]


def write_background(out):
    args = Context.args
    folder = os.path.join(out, "_background_noise_")
    for name, kind, hz in BACKGROUND:
        track = speech.noise_track(kind, args.background_seconds, args.seed, name, hz)
        datagen.write_wav(os.path.join(folder, name + ".wav"),
                          datagen.to_int16(datagen.normalized(track, 0.1)), RATE)
    datagen.write_text(os.path.join(folder, "README.md"), (
        "Long background noise recordings (16 kHz mono), made by examples/keyword-spotting/"
        "make_data.py with sox: white, pink and brown noise, and mains hums of 50 and 60 Hz "
        "with their odd harmonics under a little pink noise. Mix them into training clips for "
        "augmentation; they are not a class.\n"))


def main():
    args = parse_args()
    datagen.require_tools("espeak-ng", "sox")
    Context.args = args
    speakers = speech.plan_speakers(args.seed, args.speakers, args.validation_fraction,
                                    args.test_fraction)
    clips = args.speakers * (len(args.keywords) * args.repeats + args.unknown_per_speaker)
    Context.bank = speech.NoiseBank(args.seed, min(30.0, max(3.0, (clips + args.silence) / 10)))
    with datagen.build_dir(args.out, args.overwrite) as out:
        # folders appear with their first clip: an empty class folder is bad data to loaders
        written = []
        progress = datagen.Progress(len(speakers), "speakers", args.quiet)
        work = [(out, s) for s in speakers]
        if args.jobs > 1:
            with datagen.worker_pool(args.jobs) as pool:
                for clips in pool.imap(write_speaker, work):
                    written += clips
                    progress.step()
        else:
            for item in work:
                written += write_speaker(item)
                progress.step()
        written += write_silence(out)
        write_background(out)
        for split, list_name in (("validation", "validation_list.txt"),
                                 ("test", "testing_list.txt")):
            paths = sorted(p for s, p in written if s == split)
            datagen.write_text(os.path.join(out, list_name), "".join(p + "\n" for p in paths))
        datagen.write_text(os.path.join(out, "speakers.csv"), speech.SPEAKERS_CSV_HEADER + "\n" +
                           "".join(s.csv_row() + "\n" for s in speakers))
    if not args.quiet:
        counts = {}
        for _, path in written:
            counts[path.split("/")[0]] = counts.get(path.split("/")[0], 0) + 1
        sys.stderr.write("make_data.py: wrote %d clips to %s (%s)\n" % (
            len(written), args.out, ", ".join("%s %d" % kv for kv in sorted(counts.items()))))


if __name__ == "__main__":
    datagen.entry(main)
