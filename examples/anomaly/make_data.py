#!/usr/bin/python3
"""Synthesizes machine sounds (a fan or a pump) with injected faults, for anomaly detection.

Each machine instance has its own shaft speed, blade (vane) count, harmonic pattern, motor hum
and casing resonances; every clip has its own operating speed with a slow drift, and factory
background noise at a random SNR. Anomalies are faults injected at a severity from 0.1 (hard
to hear) to 1.0 (obvious): bearing (impulses ringing a resonance), imbalance (modulation at the
shaft rate), harmonic (a tone that is not part of the machine's pattern) and rubbing (bursts of
friction noise once per turn). Written to OUT as 16 kHz mono 16-bit WAV clips:

  normal/<machine>_normal_<n>.wav
  anomaly/<machine>_<fault>_sev<severity %>_<n>.wav

e.g. anomaly/id02_bearing_sev35_0007.wav: machine id02, bearing fault at severity 0.35. The
machine id (the part before the first '_') lets a split keep whole machines apart.
"""
import argparse
import array
import math
import os
import sys

sys.dont_write_bytecode = True  # run from the source tree: leave no __pycache__ there
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import datagen  # noqa: E402

RATE = 16000
FAULTS = ["bearing", "imbalance", "harmonic", "rubbing"]
TABLE = 4096  # samples in one revolution of the wavetable

# Per machine type: shaft speed range (Hz), blade/vane counts, how strong the broadband flow
# noise is (dB relative to the tones), and where the casing resonances lie (Hz).
MACHINES = {
    "fan": {"shaft_hz": (15.0, 30.0), "blades": [5, 6, 7, 9, 11], "noise_db": (-12.0, -4.0),
            "resonance_hz": (300, 3000)},
    "pump": {"shaft_hz": (40.0, 50.0), "blades": [5, 6, 7], "noise_db": (-6.0, 2.0),
             "resonance_hz": (800, 5000)},
}


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1] + """
sizes:
  CI (seconds):   make_data.py --out /tmp/anomaly --machines 2 --normal 4 --anomalies 4
  full (minutes): make_data.py --out data  (4 machines x (250 normal + 100 anomalies) x 2 s)
""", formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--out", default=os.path.join(here, "data"),
                        help="output directory (default: %(default)s)")
    parser.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    parser.add_argument("--machine", choices=sorted(MACHINES), default="fan",
                        help="machine type (default: fan)")
    parser.add_argument("--machines", type=int, default=4,
                        help="machine instances id00, id01, ... (default: %(default)s)")
    parser.add_argument("--normal", type=int, default=250,
                        help="normal clips per machine (default: %(default)s)")
    parser.add_argument("--anomalies", type=int, default=100,
                        help="anomalous clips per machine, shared out over the faults "
                        "(default: %(default)s)")
    parser.add_argument("--faults", type=datagen.csv_list, default=FAULTS,
                        help="fault kinds (default: %s)" % ",".join(FAULTS))
    parser.add_argument("--severity", type=datagen.float_range, default=(0.1, 1.0),
                        metavar="LOW,HIGH", help="fault severity range (default: 0.1,1)")
    parser.add_argument("--seconds", type=float, default=2.0, help="clip length (default: 2)")
    parser.add_argument("--snr", type=datagen.float_range, default=(6.0, 30.0), metavar="LOW,HIGH",
                        help="machine-to-background ratio in dB (default: 6,30)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="parallel processes (output does not depend on it)")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args()
    unknown = set(args.faults) - set(FAULTS)
    if unknown:
        parser.error("unknown fault %s (known: %s)" % (", ".join(sorted(unknown)),
                                                        ", ".join(FAULTS)))
    if args.machines < 1 or args.normal < 0 or args.anomalies < 0 or args.seconds <= 0:
        parser.error("--machines must be at least 1, counts and --seconds positive")
    if not 0.0 <= args.severity[0] <= args.severity[1] <= 1.0:
        parser.error("--severity must lie within 0,1")
    return args


def periodic_table(harmonics):
    """One period of sum(a * sin(k * theta + phase)) over TABLE points, plus a guard point."""
    table = array.array("d", bytes(8 * (TABLE + 1)))
    for k, a, phase in harmonics:
        step = 2.0 * math.pi * k / TABLE
        for i in range(TABLE + 1):
            table[i] += a * math.sin(step * i + phase)
    return table


class Machine:
    def __init__(self, args, index):
        kind = MACHINES[args.machine]
        rng = datagen.derive_rng(args.seed, "machine", args.machine, index)
        self.name = "id%02d" % index
        self.shaft_hz = rng.uniform(*kind["shaft_hz"])
        self.blades = rng.choice(kind["blades"])
        b = self.blades
        # shaft harmonics (residual imbalance, misalignment), blade pass and its harmonics with
        # sidebands at +-1 shaft order
        pattern = [(1, rng.uniform(0.02, 0.06)), (2, rng.uniform(0.01, 0.04)),
                   (3, rng.uniform(0.0, 0.02)), (b, 1.0), (2 * b, rng.uniform(0.3, 0.6)),
                   (3 * b, rng.uniform(0.1, 0.3)), (4 * b, rng.uniform(0.02, 0.1)),
                   (b - 1, rng.uniform(0.02, 0.08)), (b + 1, rng.uniform(0.02, 0.08))]
        self.rotor = periodic_table([(k, a, rng.uniform(0, 2 * math.pi)) for k, a in pattern])
        # the motor's magnetic hum at twice the mains frequency, with a few harmonics
        self.hum_hz = 2 * rng.choice([50, 60])
        self.hum = periodic_table([(k, rng.uniform(0.05, 0.2) / k, rng.uniform(0, 2 * math.pi))
                                   for k in range(1, 5)])
        self.noise_db = rng.uniform(*kind["noise_db"])
        self.bearing_order = rng.uniform(3.05, 5.4)  # outer-race defect frequency / shaft rate
        self.bearing_hz = rng.uniform(2500.0, 6000.0)  # the structure the impacts ring
        low, high = kind["resonance_hz"]
        peaks = []
        for _ in range(3):
            peaks += ["equalizer", str(rng.randrange(low, high)), "%.1fq" % rng.uniform(2, 8),
                      str(rng.randrange(6, 16))]
        # long enough for a segment of one clip, however long the clips are
        seconds = max(args.seconds + 0.1,
                      min(20.0, max(3.0, args.seconds * (args.normal + args.anomalies) / 10)))
        self.casing = datagen.normalized(datagen.sox_synth(
            seconds, RATE, args.seed, "casing-%s" % self.name, ["pinknoise"],
            ["gain", "-30"] + peaks + ["lowpass", str(rng.randrange(5000, 7500)), "gain", "-n",
                                       "-1"]), 1.0)
        self.friction = datagen.normalized(datagen.sox_synth(
            seconds, RATE, args.seed, "friction-%s" % self.name, ["whitenoise"],
            ["sinc", "%d-%d" % (rng.randrange(1000, 2500), rng.randrange(4000, 7000))]), 1.0)


def segment(track, rng, length):
    start = rng.randrange(0, len(track) - length + 1)
    return track[start:start + length]


def rotor_sound(machine, rng, length):
    """The rotor tones at a drifting speed and the motor hum; also the shaft angle (in turns)
    of every sample, which the faults lock to."""
    nominal = machine.shaft_hz * (1.0 + rng.gauss(0.0, 0.015))
    drift = rng.uniform(-0.01, 0.01)
    wobble, period, phi = rng.uniform(0.0, 0.005), rng.uniform(0.5, 3.0), rng.uniform(0, 6.3)
    rotor, hum = machine.rotor, machine.hum
    hum_gain = datagen.db(rng.uniform(-14.0, -8.0))
    out = array.array("d", bytes(8 * length))
    turns = array.array("d", bytes(8 * length))
    position, hum_position = rng.uniform(0, TABLE), rng.uniform(0, TABLE)
    hum_step = machine.hum_hz * TABLE / RATE
    for block in range(0, length, 32):  # the speed changes slowly: once per 2 ms is plenty
        t = block / RATE
        hz = nominal * (1.0 + drift * (t / (length / RATE) - 0.5) +
                        wobble * math.sin(2 * math.pi * t / period + phi))
        step = hz * TABLE / RATE
        for i in range(block, min(length, block + 32)):
            position = (position + step) % TABLE
            hum_position = (hum_position + hum_step) % TABLE
            j, f = int(position), position - int(position)
            h, g = int(hum_position), hum_position - int(hum_position)
            out[i] = (rotor[j] + f * (rotor[j + 1] - rotor[j]) +
                      hum_gain * (hum[h] + g * (hum[h + 1] - hum[h])))
            turns[i] = position / TABLE
    return out, turns


def add_bearing(sound, turns, machine, rng, level):
    """Impacts at the bearing defect rate, each ringing a high resonance for a few ms."""
    decay = rng.uniform(0.8e-3, 2.0e-3)
    ring = [math.exp(-n / RATE / decay) * math.sin(2 * math.pi * machine.bearing_hz * n / RATE)
            for n in range(int(6 * decay * RATE))]
    ring_rms = datagen.rms(ring) * math.sqrt(len(ring) / (RATE / (machine.shaft_hz *
                                                                   machine.bearing_order)))
    gain = level / ring_rms
    phase = rng.random()
    for i in range(1, len(sound)):
        # an impact whenever the defect angle (bearing order x shaft turns) passes a whole turn
        before = (turns[i - 1] * machine.bearing_order + phase) % 1.0
        after = (turns[i] * machine.bearing_order + phase) % 1.0
        if after < before:
            jitter = int(rng.gauss(0.0, 0.01) * RATE / machine.shaft_hz)  # slip of the rollers
            a = gain * rng.uniform(0.7, 1.3)
            for n, v in enumerate(ring):
                k = i + jitter + n
                if 0 <= k < len(sound):
                    sound[k] += a * v


def add_imbalance(sound, turns, rng, severity):
    """Amplitude modulation at the shaft rate: a heavy side loads the machine once per turn."""
    depth = 0.05 + 0.45 * severity
    phase = rng.uniform(0, 2 * math.pi)
    for i, turn in enumerate(turns):
        sound[i] *= 1.0 + depth * math.sin(2 * math.pi * turn + phase)


def add_harmonic(sound, turns, machine, rng, level):
    """A tone locked to the shaft at an order the machine does not have: a half order (looseness,
    a cracked blade) or a new order near the blade pass (damaged blade, worn gear)."""
    order = rng.choice([0.5, 1.5, 2.5, machine.blades + 0.5, machine.blades - 0.5,
                        machine.blades + 2, 2 * machine.blades + 1])
    phase = rng.uniform(0, 2 * math.pi)
    a = level * math.sqrt(2.0)
    for i, turn in enumerate(turns):
        sound[i] += a * math.sin(2 * math.pi * order * turn + phase)


def add_rubbing(sound, turns, machine, rng, level, severity):
    """Episodes of friction noise; within an episode, a burst during the part of each turn where
    the rotor touches the casing."""
    noise = segment(machine.friction, rng, len(sound))
    contact, width = rng.random(), rng.uniform(0.1, 0.3)
    episodes = []
    t = rng.uniform(0.0, 0.3)
    seconds = len(sound) / RATE
    while t < seconds:
        length = rng.uniform(0.05, 0.3) * (0.5 + severity)
        episodes.append((int(t * RATE), int((t + length) * RATE)))
        t += length + rng.uniform(0.05, 0.6) * (1.5 - severity)
    gain = level / math.sqrt(width)
    for begin, end in episodes:
        for i in range(begin, min(end, len(sound))):
            angle = (turns[i] - contact) % 1.0
            if angle < width:
                sound[i] += gain * math.sin(math.pi * angle / width) * noise[i]


def clip(args, machine, background, fault, severity, index):
    rng = datagen.derive_rng(args.seed, "clip", machine.name, fault, index)
    length = int(round(args.seconds * RATE))
    sound, turns = rotor_sound(machine, rng, length)
    tones = datagen.rms(sound)
    noise_gain = tones * datagen.db(machine.noise_db + rng.uniform(-1.5, 1.5))
    for i, v in enumerate(segment(machine.casing, rng, length)):
        sound[i] += noise_gain * v
    reference = datagen.rms(sound)
    # faults sit from 20 dB below the machine's level (severity 0.1) to 3 dB above it (1.0)
    level = reference * datagen.db(-22.5 + 25.0 * severity)
    if fault == "bearing":
        add_bearing(sound, turns, machine, rng, level)
    elif fault == "imbalance":
        add_imbalance(sound, turns, rng, severity)
    elif fault == "harmonic":
        add_harmonic(sound, turns, machine, rng, level)
    elif fault == "rubbing":
        add_rubbing(sound, turns, machine, rng, level, severity)
    back_gain = reference / datagen.db(rng.uniform(*args.snr))
    for i, v in enumerate(segment(background, rng, length)):
        sound[i] += back_gain * v
    target = datagen.db(rng.uniform(-28.0, -22.0)) / datagen.rms(sound)
    peak = max(abs(v) for v in sound) * target
    return datagen.to_int16(sound, target / max(1.0, peak / 0.99))


class Context:
    args = machines = background = out = None


def write_clip(job):
    machine_index, fault, severity, index = job
    args, machine = Context.args, Context.machines[machine_index]
    samples = clip(args, machine, Context.background, fault, severity, index)
    if fault == "normal":
        path = os.path.join("normal", "%s_normal_%04d.wav" % (machine.name, index))
    else:
        path = os.path.join("anomaly", "%s_%s_sev%d_%04d.wav" % (
            machine.name, fault, int(round(severity * 100)), index))
    datagen.write_wav(os.path.join(Context.out, path), samples, RATE)
    return path


def jobs(args):
    """(machine, fault, severity, index) of every clip; faults take turns, severities spread
    evenly over the range (with a random jitter) so every fault gets easy and hard cases."""
    work = []
    slots = (args.anomalies + len(args.faults) - 1) // len(args.faults)
    for m in range(args.machines):
        work += [(m, "normal", 0.0, n) for n in range(args.normal)]
        rng = datagen.derive_rng(args.seed, "faults", m)
        low, high = args.severity
        for n in range(args.anomalies):
            fault = args.faults[n % len(args.faults)]
            slot = n // len(args.faults)
            severity = low + (high - low) * (slot + rng.random()) / slots
            work.append((m, fault, round(severity, 2), n))
    return work


def main():
    args = parse_args()
    datagen.require_tools("sox")
    Context.args = args
    Context.machines = [Machine(args, m) for m in range(args.machines)]
    seconds = min(30.0, max(3.0, 2 * args.seconds))
    factory = datagen.sox_synth(seconds, RATE, args.seed, "factory", ["brownnoise"])
    hiss = datagen.sox_synth(seconds, RATE, args.seed, "factory-hiss", ["pinknoise"])
    Context.background = datagen.normalized(array.array(
        "d", (a + 0.3 * b for a, b in zip(datagen.normalized(factory, 1.0), hiss))), 1.0)
    work = jobs(args)
    with datagen.build_dir(args.out, args.overwrite) as out:
        Context.out = out
        progress = datagen.Progress(len(work), "clips", args.quiet)
        if args.jobs > 1:
            with datagen.worker_pool(args.jobs) as pool:
                for _ in pool.imap_unordered(write_clip, work, chunksize=8):
                    progress.step()
        else:
            for job in work:
                write_clip(job)
                progress.step()


if __name__ == "__main__":
    datagen.entry(main)
