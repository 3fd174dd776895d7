#!/usr/bin/python3
"""Renders scenes of small objects on varied backgrounds, labelled as LabelImg labels them.

Three object classes told apart by shape, each object in a random colour: "ball" (a disc),
"block" (a square turned by up to 30 degrees) and "cone" (an upright triangle). Each scene has 0 to --max-objects objects at least a grid cell apart, 12 to 24 pixels
across at 96x96, some cut by the image border (VOC's <truncated>1</truncated>), on a background
of a colour gradient, noise, stripes and faint blotches. Written to OUT as LabelImg saves them:

  scene_<n>.png     the image (RGB)
  scene_<n>.xml     Pascal VOC annotation (pixel corners, LabelImg's layout)
  scene_<n>.txt     YOLO annotation (class cx cy w h, normalized)
  classes.txt       the YOLO class names, one a line

so `data.format: voc` and `data.format: yolo` both read the folder.
"""
import argparse
import math
import os
import struct
import sys
import zlib

sys.dont_write_bytecode = True  # run from the source tree: leave no __pycache__ there
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import datagen  # noqa: E402

CLASSES = ["ball", "block", "cone"]


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1] + """
sizes:
  CI (seconds):   make_data.py --out /tmp/detection --scenes 240
  full (a minute): make_data.py --out data  (1,500 scenes of 96x96)
""", formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--out", default=os.path.join(here, "data"),
                        help="output directory (default: %(default)s)")
    parser.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    parser.add_argument("--scenes", type=int, default=1500, help="images (default: %(default)s)")
    parser.add_argument("--size", type=int, default=96,
                        help="image width and height in pixels (default: %(default)s)")
    parser.add_argument("--max-objects", type=int, default=4,
                        help="objects per scene at most (default: %(default)s)")
    parser.add_argument("--classes", type=datagen.csv_list, default=CLASSES,
                        help="object classes to draw (default: %s)" % ",".join(CLASSES))
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args()
    unknown = set(args.classes) - set(CLASSES)
    if unknown:
        parser.error("unknown class %s (known: %s)" % (", ".join(sorted(unknown)),
                                                        ", ".join(CLASSES)))
    if args.scenes < 1 or args.size < 32 or args.max_objects < 0:
        parser.error("--scenes must be positive, --size at least 32, --max-objects >= 0")
    return args


def png_bytes(width, height, rgb):
    """A PNG (8-bit RGB, no filter) of `rgb`: a bytearray of rows, 3 bytes a pixel."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    stride = 3 * width
    raw = b"".join(b"\x00" + bytes(rgb[y * stride:(y + 1) * stride]) for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def clamp(v):
    return 0 if v < 0 else 255 if v > 255 else int(v)


def background(rng, size):
    """A gradient between two colours, stripes, blotches and pixel noise."""
    c0 = [rng.uniform(20, 235) for _ in range(3)]
    c1 = [rng.uniform(20, 235) for _ in range(3)]
    angle = rng.uniform(0, 2 * math.pi)
    dx, dy = math.cos(angle) / size, math.sin(angle) / size
    stripe_period = rng.uniform(6, 30)
    stripe_amp = rng.choice([0, 0, rng.uniform(5, 25)])
    stripe_angle = rng.uniform(0, math.pi)
    sx, sy = math.cos(stripe_angle), math.sin(stripe_angle)
    noise = rng.uniform(2, 14)
    img = bytearray(3 * size * size)
    for y in range(size):
        for x in range(size):
            t = min(1.0, max(0.0, 0.5 + (x - size / 2) * dx + (y - size / 2) * dy))
            s = stripe_amp * math.sin(2 * math.pi * (x * sx + y * sy) / stripe_period)
            i = 3 * (y * size + x)
            for ch in range(3):
                img[i + ch] = clamp(c0[ch] + (c1[ch] - c0[ch]) * t + s + rng.gauss(0, noise))
    for _ in range(rng.randrange(0, 4)):  # faint blotches: soft-edged, low-contrast discs
        cx, cy, r = rng.uniform(0, size), rng.uniform(0, size), rng.uniform(4, size / 3)
        shade = rng.uniform(-30, 30)
        for y in range(max(0, int(cy - r)), min(size, int(cy + r) + 1)):
            for x in range(max(0, int(cx - r)), min(size, int(cx + r) + 1)):
                d = math.hypot(x - cx, y - cy) / r
                if d < 1:
                    i = 3 * (y * size + x)
                    for ch in range(3):
                        img[i + ch] = clamp(img[i + ch] + shade * (1 - d))
    return img


def inside_shape(kind, u, v, spin):
    """Whether (u, v), relative to the centre in units of the half size, is in the shape."""
    if kind == "ball":
        return u * u + v * v <= 1.0
    # rotate by `spin` for the block, the cone stays upright
    if kind == "block":
        c, s = math.cos(spin), math.sin(spin)
        a, b = c * u + s * v, -s * u + c * v
        return abs(a) <= 0.75 and abs(b) <= 0.75
    # cone: apex at the top, base at the bottom
    return -1.0 <= v <= 1.0 and abs(u) <= (v + 1.0) / 2.0


def draw(img, size, kind, cx, cy, half, colour, spin):
    """Draws the shape; returns its box (pixel corners) clipped to the image, or None."""
    xs, ys = [], []
    for y in range(max(0, int(cy - half) - 1), min(size, int(cy + half) + 2)):
        for x in range(max(0, int(cx - half) - 1), min(size, int(cx + half) + 2)):
            if inside_shape(kind, (x + 0.5 - cx) / half, (y + 0.5 - cy) / half, spin):
                i = 3 * (y * size + x)
                img[i:i + 3] = bytes(colour)
                xs.append(x)
                ys.append(y)
    if not xs:
        return None
    return min(xs), min(ys), max(xs) + 1, max(ys) + 1


def scene(args, n):
    rng = datagen.derive_rng(args.seed, "scene", n)
    size = args.size
    img = background(rng, size)
    scale = size / 96.0
    cell = 8 * scale
    objects = []
    placed = []
    for _ in range(rng.randrange(0, args.max_objects + 1)):
        kind = rng.choice(args.classes)
        half = rng.uniform(6, 12) * scale
        for _attempt in range(20):
            # mostly inside; now and then cut by the border
            margin = -half * 0.4 if rng.random() < 0.1 else half
            cx = rng.uniform(margin, size - margin)
            cy = rng.uniform(margin, size - margin)
            if all(math.hypot(cx - px, cy - py) > ph + half + cell for px, py, ph in placed):
                break
        else:
            continue
        colour = [clamp(rng.uniform(0, 255)) for _ in range(3)]
        box = draw(img, size, kind, cx, cy, half, colour, rng.uniform(-math.pi / 6, math.pi / 6))
        if box is None:
            continue
        placed.append((cx, cy, half))
        truncated = box[0] == 0 or box[1] == 0 or box[2] == size or box[3] == size
        objects.append((kind, box, truncated))
    return img, objects


def voc_xml(folder, filename, path, size, objects):
    lines = ["<annotation>", "\t<folder>%s</folder>" % folder,
             "\t<filename>%s</filename>" % filename, "\t<path>%s</path>" % path,
             "\t<source>", "\t\t<database>Unknown</database>", "\t</source>", "\t<size>",
             "\t\t<width>%d</width>" % size, "\t\t<height>%d</height>" % size,
             "\t\t<depth>3</depth>", "\t</size>", "\t<segmented>0</segmented>"]
    for kind, (x0, y0, x1, y1), truncated in objects:
        lines += ["\t<object>", "\t\t<name>%s</name>" % kind, "\t\t<pose>Unspecified</pose>",
                  "\t\t<truncated>%d</truncated>" % truncated, "\t\t<difficult>0</difficult>",
                  "\t\t<bndbox>", "\t\t\t<xmin>%d</xmin>" % x0, "\t\t\t<ymin>%d</ymin>" % y0,
                  "\t\t\t<xmax>%d</xmax>" % x1, "\t\t\t<ymax>%d</ymax>" % y1, "\t\t</bndbox>",
                  "\t</object>"]
    return "\n".join(lines + ["</annotation>"]) + "\n"


def yolo_txt(size, objects, classes):
    rows = []
    for kind, (x0, y0, x1, y1), _ in objects:
        rows.append("%d %.6f %.6f %.6f %.6f" % (classes.index(kind), (x0 + x1) / 2 / size,
                                                (y0 + y1) / 2 / size, (x1 - x0) / size,
                                                (y1 - y0) / size))
    return "".join(r + "\n" for r in rows)


def main():
    args = parse_args()
    progress = datagen.Progress(args.scenes, "scenes", args.quiet)
    out = os.path.abspath(args.out)
    with datagen.build_dir(out, args.overwrite) as partial:
        for n in range(args.scenes):
            img, objects = scene(args, n)
            stem = "scene_%04d" % n
            with open(os.path.join(partial, stem + ".png"), "wb") as f:
                f.write(png_bytes(args.size, args.size, img))
            with open(os.path.join(partial, stem + ".xml"), "w", newline="\n") as f:
                f.write(voc_xml(os.path.basename(out), stem + ".png",
                                os.path.join(out, stem + ".png"), args.size, objects))
            with open(os.path.join(partial, stem + ".txt"), "w", newline="\n") as f:
                f.write(yolo_txt(args.size, objects, args.classes))
            progress.step()
        with open(os.path.join(partial, "classes.txt"), "w", newline="\n") as f:
            f.write("".join(c + "\n" for c in args.classes))


if __name__ == "__main__":
    datagen.entry(main)
