"""Helpers shared by the example data generators (Python standard library only).

Every generator is deterministic for its --seed: each random stream is derived from the seed and
a name (derive_rng), never from the process or the order work finishes in, so results do not
depend on --jobs. Output is built in a sibling "<OUT>.partial-<pid>" directory and renamed into
place at the end (build_dir), so an interrupted run never leaves a folder that looks complete.
"""
import array
import contextlib
import hashlib
import math
import multiprocessing
import operator
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import wave


def derive_rng(seed, *names):
    """A random.Random that depends only on the seed and the names (not on Python's hash())."""
    key = "/".join([str(seed)] + [str(n) for n in names]).encode()
    return random.Random(int.from_bytes(hashlib.sha256(key).digest()[:8], "little"))


def hex_id(seed, *names):
    """An 8-hex-digit id, like the speaker hashes of the Speech Commands data set."""
    key = "/".join([str(seed)] + [str(n) for n in names]).encode()
    return hashlib.sha1(key).hexdigest()[:8]


class Failure(Exception):
    """A problem to report to the user (raised in worker processes too, so the pool passes it
    on instead of losing the worker)."""


def fail(message):
    raise Failure(message)


def entry(main):
    """Runs main(); a Failure prints 'script: error: message' on stderr and exits with 1."""
    try:
        main()
    except Failure as failure:
        sys.exit("%s: error: %s" % (os.path.basename(sys.argv[0]), failure))


def require_tools(*tools):
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        fail("needs %s on PATH (Debian: apt-get install %s; scripts/setup installs them)" %
             (" and ".join(missing), " ".join(missing)))


def run(command, stdin=None):
    """Runs a tool, returns its stdout bytes; a failure names the command and its message."""
    result = subprocess.run(command, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if result.returncode != 0:
        fail("%s failed (exit %d): %s" % (" ".join(command[:4]) + " ...", result.returncode,
                                          result.stderr.decode(errors="replace").strip()))
    return result.stdout


def csv_list(text):
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        raise ValueError("expected a comma-separated list")
    return items


def float_range(text):
    """'LOW,HIGH' (or one value for both) -> (low, high) for argparse."""
    values = [float(v) for v in text.split(",")]
    if len(values) not in (1, 2):
        raise ValueError("expected LOW,HIGH")
    low, high = values[0], values[-1]
    if low > high:
        raise ValueError("LOW must not exceed HIGH")
    return low, high


class Progress:
    """Prints 'what: done/total (pct%)' on stderr at most once a second, and once at the end."""

    def __init__(self, total, what, quiet=False):
        self.total, self.what, self.quiet = total, what, quiet
        self.done = 0
        self.start = self.last = time.monotonic()

    def step(self, n=1):
        self.done += n
        now = time.monotonic()
        if not self.quiet and (now - self.last >= 1.0 or self.done == self.total):
            self.last = now
            sys.stderr.write("%s: %d/%d %s (%.0f%%, %.1f s)\n" %
                             (os.path.basename(sys.argv[0]), self.done, self.total, self.what,
                              100.0 * self.done / max(1, self.total), now - self.start))
            sys.stderr.flush()


def _die_on_sigterm():
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def worker_pool(jobs):
    """A pool of `jobs` forked workers (they share what the parent built before the fork).

    Workers are forked inside build_dir, whose SIGTERM handler exits through Python; the pool's
    exit sends its idle workers SIGTERM, and one waiting on the task queue's lock would run that
    exit path holding the lock and hang the run for good. The workers die at once instead.
    """
    return multiprocessing.get_context("fork").Pool(jobs, initializer=_die_on_sigterm)


@contextlib.contextmanager
def build_dir(out, overwrite):
    """Yields a temporary directory beside `out`; renames it to `out` when the block succeeds.

    An existing `out` is an error unless `overwrite`, and is then replaced only once the new
    output is complete. A failed or interrupted block removes its temporary directory.
    """
    out = os.path.abspath(out)
    if os.path.exists(out) and not overwrite:
        fail("%s already exists (pass --overwrite to replace it)" % out)
    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    partial = "%s.partial-%d" % (out, os.getpid())
    shutil.rmtree(partial, ignore_errors=True)
    os.makedirs(partial)
    # `kill` (SIGTERM) unwinds like Ctrl-C, so the partial directory is removed either way.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        yield partial
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    if os.path.exists(out):
        old = "%s.old-%d" % (out, os.getpid())
        os.rename(out, old)
        os.rename(partial, out)
        shutil.rmtree(old)
    else:
        os.rename(partial, out)


def replace_atomically(path, write):
    """Calls write(temp_path) and renames the temp file to `path` (same directory)."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    temp = os.path.join(directory, ".%s.tmp-%d" % (os.path.basename(path), os.getpid()))
    try:
        write(temp)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temp)
        raise


def write_text(path, text):
    def write(temp):
        with open(temp, "w", newline="\n") as f:
            f.write(text)
    replace_atomically(path, write)


def write_wav(path, samples, rate):
    """Writes int16 samples (array 'h') as a mono 16-bit PCM WAV, atomically."""
    data = samples
    if sys.byteorder == "big":
        data = array.array("h", samples)
        data.byteswap()

    def write(temp):
        with wave.open(temp, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(data.tobytes())
    replace_atomically(path, write)


def int16_from_raw(raw):
    """Little-endian signed 16-bit bytes (sox -t raw -e signed -b 16 -L) -> array 'h'."""
    samples = array.array("h")
    samples.frombytes(raw[:len(raw) // 2 * 2])
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


def to_int16(values, scale=1.0):
    """Floats (full scale 1.0) times `scale` -> array 'h', rounded and clipped."""
    k = 32767.0 * scale
    out = array.array("h")
    for start in range(0, len(values), 1 << 16):  # chunks: a list of a whole stream is huge
        out.extend([min(32767, max(-32768, round(x * k))) for x in values[start:start + (1 << 16)]])
    return out


def rms(values):
    return math.sqrt(sum(map(operator.mul, values, values)) / len(values)) if len(values) else 0.0


def sox_raw_args(rate):
    """sox's description of the raw stream these helpers exchange: mono int16 little-endian."""
    return ["-t", "raw", "-r", str(rate), "-e", "signed", "-b", "16", "-c", "1", "-L"]


def sox_synth(seconds, rate, seed, name, generator, effects=()):
    """`seconds` of a sox synth generator (e.g. ['pinknoise']) then effects, as floats in [-1, 1].

    sox's noise is repeatable (-R) but has no seed, so the seed picks how much of the start of
    the repeatable sequence to skip: different seeds and names give different noise, the same
    ones the same bytes. -D turns dithering off (it is random too).
    """
    skip = derive_rng(seed, "sox-skip", name).randrange(0, 20 * rate) / rate
    command = (["sox", "-R", "-D", "-n"] + sox_raw_args(rate) + ["-", "synth", "%.6f" % (
        seconds + skip)] + list(generator) + ["trim", "%.6f" % skip] + list(effects))
    samples = int16_from_raw(run(command))
    return array.array("d", map((1.0 / 32768.0).__mul__, samples[:int(round(seconds * rate))]))


def normalized(values, target_rms):
    level = rms(values)
    gain = target_rms / level if level > 0 else 1.0
    return array.array("d", map(gain.__mul__, values))


def db(value):
    return 10.0 ** (value / 20.0)
