"""Simulated people performing hand gestures with a 3-axis accelerometer (standard library).

A gesture is a hand trajectory (metres) and a device tilt over time, driven by a phase that
advances at the person's own, slowly wandering tempo. The accelerometer reads the specific
force, acceleration minus gravity, in its own axes and in g: at rest it shows 1 g pointing up,
spread over its axes by how the person holds the device (the orientation offset). Each person
also has their own tempo, size of movement, sensor noise, bias and scale errors.
"""
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import datagen  # noqa: E402

G = 9.81
OVERSAMPLE = 4  # positions are differentiated at 4x the output rate
GESTURES = ["idle", "wave", "circle", "shake", "updown"]


def rotation(roll, pitch, yaw):
    """World-from-device rotation (radians): yaw about z, then pitch about y, then roll about x."""
    cr, sr, cp, sp, cy, sy = (math.cos(roll), math.sin(roll), math.cos(pitch), math.sin(pitch),
                              math.cos(yaw), math.sin(yaw))
    return ((cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr),
            (sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr),
            (-sp, cp * sr, cp * cr))


def multiply(a, b):
    return tuple(tuple(sum(a[i][k] * b[k][j] for k in range(3)) for j in range(3))
                 for i in range(3))


class Wander:
    """A smooth random signal around 0 (a few slow sinusoids), amplitude about `size`."""

    def __init__(self, rng, size, low_hz=0.05, high_hz=0.5):
        self.parts = [(size / 2 * rng.uniform(0.5, 1.0), 2 * math.pi * rng.uniform(low_hz, high_hz),
                       rng.uniform(0, 2 * math.pi)) for _ in range(3)]

    def __call__(self, t):
        return sum(a * math.sin(w * t + p) for a, w, p in self.parts)

    def integral(self, t):
        """The integral of the signal from 0 to t."""
        return sum(a / w * (math.cos(p) - math.cos(w * t + p)) for a, w, p in self.parts)


class Person:
    def __init__(self, seed, name):
        rng = datagen.derive_rng(seed, "person", name)
        self.name = name
        self.tempo = rng.uniform(0.8, 1.25)
        self.size = rng.uniform(0.7, 1.3)
        self.mirror = rng.choice([1.0, -1.0])  # left or right hand
        clamp = math.radians(35)
        self.offset = rotation(max(-clamp, min(clamp, rng.gauss(0, math.radians(18)))),
                               max(-clamp, min(clamp, rng.gauss(0, math.radians(18)))),
                               rng.uniform(0, 2 * math.pi))
        self.noise = rng.uniform(0.004, 0.02)
        self.bias = [rng.gauss(0, 0.02) for _ in range(3)]
        self.scale = [1.0 + rng.gauss(0, 0.015) for _ in range(3)]


class Gesture:
    """One performance: position(t) in metres and tilt(t) = (roll, pitch, yaw) in radians."""

    def __init__(self, kind, person, rng):
        self.kind = kind
        base = {"idle": 0.25, "wave": 2.2, "circle": 1.0, "shake": 5.0, "updown": 1.3}[kind]
        self.hz = base * person.tempo * rng.uniform(0.9, 1.1)
        self.size = person.size * rng.uniform(0.85, 1.15)
        self.mirror = person.mirror
        self.direction = rng.choice([1.0, -1.0])  # circles either way round
        self.tempo_wander = Wander(rng, 0.15)
        self.size_wander = Wander(rng, 0.2)
        self.tilt_wander = [Wander(rng, math.radians(4)) for _ in range(3)]
        self.phase0 = rng.uniform(0, 2 * math.pi)
        self.tremor = (rng.uniform(8, 12), rng.uniform(0, 2 * math.pi))

    def phase(self, t):
        """The integral of the tempo, hz * (1 + wander)."""
        return self.phase0 + 2 * math.pi * self.hz * (t + self.tempo_wander.integral(t))

    def pose(self, t):
        """(x, y, z) in metres (x right, y forward, z up) and the tilt."""
        ph, a = self.phase(t), self.size * (1.0 + self.size_wander(t))
        roll, pitch, yaw = (w(t) for w in self.tilt_wander)
        x = y = z = 0.0
        tremor = 4e-5 * math.sin(2 * math.pi * self.tremor[0] * t + self.tremor[1])
        if self.kind == "idle":
            z = 0.003 * math.sin(ph) + tremor  # breathing and physiological tremor
            x = tremor
        elif self.kind == "wave":  # hand up, rocking about the forearm, swinging sideways
            pitch += math.radians(70)
            roll += self.mirror * math.radians(35) * a * math.sin(ph)
            x = self.mirror * 0.06 * a * math.sin(ph)
        elif self.kind == "circle":  # a circle in the vertical plane in front of the body
            r = 0.12 * a
            x = r * math.cos(self.direction * ph)
            z = r * math.sin(self.direction * ph)
        elif self.kind == "shake":  # fast, jerky side to side
            x = self.mirror * 0.02 * a * (math.sin(ph) + 0.2 * math.sin(2 * ph))
            roll += math.radians(10) * a * math.sin(ph + 0.5)
        elif self.kind == "updown":
            z = 0.09 * a * math.sin(ph)
            pitch += math.radians(5) * a * math.sin(ph + 0.3)
        return (x, y, z), (roll, pitch, yaw)


def envelope(t, seconds, ramp):
    """0 -> 1 over `ramp` seconds at the start, 1 -> 0 at the end (raised cosine)."""
    edge = min(t, seconds - t)
    if ramp <= 0 or edge >= ramp:
        return 1.0
    return 0.5 - 0.5 * math.cos(math.pi * max(0.0, edge) / ramp)


RANGE_G = 8.0  # the sensor's full scale: stronger readings saturate


def record(person, gesture, seconds, rate, rng, ramp=0.4):
    """Samples (ax, ay, az) in g at `rate` Hz for `seconds` of the gesture. The movement (and
    its tilt away from the person's resting hold) fades in and out over `ramp` seconds."""
    n = int(round(seconds * rate))
    dt = 1.0 / (rate * OVERSAMPLE)

    def position_and_tilt(k):
        t = k * dt
        e = envelope(t, seconds, ramp)
        (x, y, z), tilt = gesture.pose(t)
        return (e * x, e * y, e * z), tuple(e * v for v in tilt)

    samples = []
    for i in range(n):
        k = i * OVERSAMPLE
        before, _ = position_and_tilt(k - 1)
        here, tilt = position_and_tilt(k)
        after, _ = position_and_tilt(k + 1)
        accel = [(after[j] - 2 * here[j] + before[j]) / (dt * dt) for j in range(3)]
        force = (accel[0] / G, accel[1] / G, accel[2] / G + 1.0)  # specific force, in g
        world_from_device = multiply(rotation(*tilt), person.offset)
        reading = [sum(world_from_device[r][c] * force[r] for r in range(3)) for c in range(3)]
        samples.append(tuple(max(-RANGE_G, min(RANGE_G, person.scale[c] * reading[c] +
                                               person.bias[c] + rng.gauss(0.0, person.noise)))
                             for c in range(3)))
    return samples


def csv_text(samples, rate, start=0.0, decimals=4):
    lines = ["t,ax,ay,az\n"]
    for i, (ax, ay, az) in enumerate(samples):
        lines.append("%.4f,%.*f,%.*f,%.*f\n" % (start + i / rate, decimals, ax, decimals, ay,
                                               decimals, az))
    return "".join(lines)
