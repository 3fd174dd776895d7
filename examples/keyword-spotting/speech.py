"""Synthetic speakers for the keyword-spotting generators: espeak-ng voices, sox channels.

A speaker is an espeak-ng accent (an English language voice) with a variant (the voice
quality: formants, pitch range, breathiness, the klatt synthesizer...), a base pitch and speed,
and a recording channel (microphone band limits, optional room reverb) applied by sox. Variants
are split three ways so held-out speakers never share a voice quality with training speakers:
TEST_VARIANTS and VALIDATION_VARIANTS are never used for training.
"""
import array
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import datagen  # noqa: E402

RATE = 16000

# espeak-ng's English language voices (accents).
ACCENTS = ["en", "en-us", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-rp", "en-gb-x-gbcwmd",
           "en-029", "en-us-nyc"]

# espeak-ng variants that sound like people (robotic, echoing and joke voices left out).
TEST_VARIANTS = ["f2", "m3", "Annie", "michel", "klatt2", "grandpa"]
VALIDATION_VARIANTS = ["f4", "m6", "Andrea", "Gene", "klatt3", "aunty"]
TRAIN_VARIANTS = [
    "f1", "f3", "f5", "Alicia", "anika", "belinda", "linda", "grandma", "shelby", "steph",
    "steph2", "steph3", "whisperf", "m1", "m2", "m4", "m5", "m7", "m8", "Alex", "Andy", "Denis",
    "Diogo", "Gene2", "Henrique", "Hugo", "Jacky", "Lee", "Mario", "Michael", "Mike", "antonio",
    "croak", "david", "ed", "gustave", "iven3", "john", "kaukovalta", "marcelo", "max", "miguel",
    "norbert", "pablo", "paul", "pedro", "quincy", "rob", "robert", "sandro", "travis", "victor",
    "whisper", "klatt", "edward", "benjamin"
]
VARIANTS = {"train": TRAIN_VARIANTS, "validation": VALIDATION_VARIANTS, "test": TEST_VARIANTS}

# The ten command words of Speech Commands, and other words (for _unknown_).
DEFAULT_KEYWORDS = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"]
OTHER_WORDS = [
    "yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go", "bed", "bird", "cat",
    "dog", "happy", "house", "marvin", "sheila", "tree", "wow", "zero", "one", "two", "three",
    "four", "five", "six", "seven", "eight", "nine", "backward", "forward", "follow", "learn",
    "visual", "light", "music", "hello", "open", "close", "start", "yesterday", "nothing",
    "window", "later", "under", "over", "top", "dawn", "note", "lift", "bright"
]

BREAK_MS = 800  # pause between the utterances of one espeak-ng call; split on gaps >= GAP_MS
GAP_MS = 250


class Speaker:
    def __init__(self, speaker_id, split, accent, variant, pitch, speed, channel):
        self.id, self.split = speaker_id, split
        self.accent, self.variant, self.pitch, self.speed = accent, variant, pitch, speed
        self.channel = channel  # sox effects of the microphone and room

    @property
    def voice(self):
        return "%s+%s" % (self.accent, self.variant)

    def csv_row(self):
        return "%s,%s,%s,%d,%d,%s" % (self.id, self.split, self.voice, self.pitch, self.speed,
                                      " ".join(self.channel))


SPEAKERS_CSV_HEADER = "speaker,split,espeak_voice,pitch,speed_wpm,channel"


def make_speaker(seed, index, split, variant):
    rng = datagen.derive_rng(seed, "speaker", index)
    channel = ["highpass", str(rng.randrange(60, 260)), "lowpass", str(rng.randrange(3400, 7600))]
    if rng.random() < 0.5:  # a room: reverberance, HF damping, room scale (sox reverb, in %)
        channel += ["reverb", str(rng.randrange(10, 50)), "50", str(rng.randrange(20, 80))]
    return Speaker(datagen.hex_id(seed, "speaker", index), split, rng.choice(ACCENTS), variant,
                   rng.randrange(25, 76), rng.randrange(105, 171), channel)


def split_sequence(count, validation_fraction, test_fraction):
    """Split names for `count` items: round(count * fraction) (at least 1) each for test and
    validation, first, then training."""
    held = {s: max(1, int(round(count * f))) for s, f in
            (("validation", validation_fraction), ("test", test_fraction))}
    if held["validation"] + held["test"] >= count:
        datagen.fail("%d speakers leave none for training after %d validation and %d test" %
                     (count, held["validation"], held["test"]))
    splits = ["test"] * held["test"] + ["validation"] * held["validation"]
    return splits + ["train"] * (count - len(splits))


def plan_speakers(seed, count, validation_fraction, test_fraction):
    """`count` speakers, each split cycling through its own shuffled variant pool."""
    speakers, used = [], {}
    for index, split in enumerate(split_sequence(count, validation_fraction, test_fraction)):
        pool = list(VARIANTS[split])
        datagen.derive_rng(seed, "variant-order", split).shuffle(pool)
        n = used.get(split, 0)
        used[split] = n + 1
        speakers.append(make_speaker(seed, index, split, pool[n % len(pool)]))
    if len({s.id for s in speakers}) != len(speakers):
        datagen.fail("speaker id collision; try another --seed")
    return speakers


def held_out_speakers(seed, count):
    """Speakers with test variants only (for streams): never heard in training."""
    return [make_speaker(seed, "stream-%d" % i, "test", TEST_VARIANTS[i % len(TEST_VARIANTS)])
            for i in range(count)]


class Utterance:
    """One word with its prosody: rate and pitch in % of the speaker's, and the end mark."""

    def __init__(self, word, rng):
        self.word = word
        self.rate = rng.randrange(80, 125)
        self.pitch = rng.randrange(-25, 26)
        self.range = rng.randrange(40, 160)
        self.mark = rng.choice([".", ".", "!", "?", ""])

    def ssml(self):
        return '<prosody rate="%d%%" pitch="%+d%%" range="%d%%">%s%s</prosody>' % (
            self.rate, self.pitch, self.range, self.word, self.mark)


def _synthesize(speaker, utterances):
    """One espeak-ng call for all the utterances, then sox: 16 kHz and the speaker's channel."""
    ssml = "<speak>%s</speak>" % ('<break time="%dms"/>' % BREAK_MS).join(
        u.ssml() for u in utterances)
    wav = datagen.run(["espeak-ng", "-m", "-v", speaker.voice, "-p", str(speaker.pitch), "-s",
                       str(speaker.speed), "--stdout", ssml])
    raw = datagen.run(["sox", "-R", "-D", "-t", "wav", "-"] + datagen.sox_raw_args(RATE) +
                      ["-", "rate", str(RATE)] + speaker.channel, stdin=wav)
    return datagen.int16_from_raw(raw)


ONSET_MS = 30  # every clip speak() returns starts this long before the word's first sound
_FRAME = RATE // 100


def _split_on_gaps(samples):
    """(first, last) 10 ms frames of the sounds separated by >= GAP_MS of relative silence."""
    energies = []
    for start in range(0, len(samples) - _FRAME + 1, _FRAME):
        chunk = samples[start:start + _FRAME]
        energies.append(sum(v * v for v in chunk) / _FRAME)
    if not energies:
        return []
    threshold = max(energies) * 10 ** (-38 / 10)  # 38 dB below the loudest 10 ms
    spans, begin, end, quiet = [], None, 0, 0
    for i, e in enumerate(energies):
        if e > threshold:
            begin = i if begin is None else begin
            end, quiet = i, 0
        elif begin is not None:
            quiet += 1
            if quiet * 10 >= GAP_MS:
                spans.append((begin, end))
                begin = None
    if begin is not None:
        spans.append((begin, end))
    return spans


def _cut(samples, first, last):
    """Frames first..last with ONSET_MS before and 30 ms after (soft onsets and decays sit
    below the threshold), padded with zeros where the track is shorter."""
    begin = first * _FRAME - ONSET_MS * RATE // 1000
    end = min(len(samples), (last + 4) * _FRAME)
    return array.array("h", [0] * max(0, -begin)) + samples[max(0, begin):end]


def speak(speaker, utterances):
    """The utterances as separate int16 arrays at 16 kHz, each starting ONSET_MS before its
    word and ending shortly after it.

    Synthesizes them in one espeak-ng call (fast) and splits on the pauses; if the number of
    sounds found differs from the number of words (a word with a long internal pause), falls
    back to one call per word, so a clip never carries the wrong word.
    """
    track = _synthesize(speaker, utterances)
    spans = _split_on_gaps(track)
    if len(spans) == len(utterances):
        return [_cut(track, b, e) for b, e in spans]
    clips = []
    for u in utterances:
        single = _synthesize(speaker, [u])
        found = _split_on_gaps(single) or [(0, len(single) // _FRAME - 1)]
        clips.append(_cut(single, found[0][0], found[-1][1]))
    return clips


class NoiseBank:
    """Long noise tracks made by sox, from which clips take segments at random offsets."""

    KINDS = ["white", "pink", "brown", "hum"]

    def __init__(self, seed, seconds):
        self.tracks = {}
        for kind in self.KINDS:
            self.tracks[kind] = datagen.normalized(noise_track(kind, seconds, seed, "bank"), 0.1)

    def segment(self, rng, kind, length):
        track = self.tracks[kind]
        start = rng.randrange(0, len(track) - length + 1)
        return track[start:start + length]


def noise_track(kind, seconds, seed, name, hum_hz=None):
    """White, pink or brown noise; or a mains hum (a sine made rich in odd harmonics by sox's
    overdrive, as a saturating transformer makes it) under a little pink noise."""
    tag = "%s-%s" % (name, kind)
    if kind in ("white", "pink", "brown"):
        return datagen.sox_synth(seconds, RATE, seed, tag, [kind + "noise"])
    rng = datagen.derive_rng(seed, "hum", tag)
    hz = hum_hz or rng.choice([50, 60, 100, 120])
    tone = datagen.sox_synth(seconds, RATE, seed, tag, ["sine", str(hz)],
                             ["overdrive", str(rng.randrange(10, 40)), "lowpass", "3000"])
    hiss = datagen.sox_synth(seconds, RATE, seed, tag + "-hiss", ["pinknoise"])
    tone, hiss = datagen.normalized(tone, 1.0), datagen.normalized(hiss, 0.1)
    return array.array("d", (t + h for t, h in zip(tone, hiss)))
