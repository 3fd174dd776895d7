#!/usr/bin/env python3
"""Writes the fine-tuning example's image folder from Debian's Fashion-MNIST (no network).

Four classes of 28x28 grayscale Fashion-MNIST images, saved as PNG in one folder per class
(images/<class>/<n>.png). The project file resizes them to 96x96 and converts them to RGB, the
input vww_96_float takes. This is NOT person detection data: it is a stand-in labelled image set
that every machine with dataset-fashion-mnist has, so the example shows the mechanics of
fine-tuning a pretrained model on a new class set.

Usage: python3 make_data.py [--per-class N] [--out DIR] [--source DIR]
Only the Python standard library is used (gzip, zlib, struct).
"""
import argparse
import gzip
import os
import struct
import zlib

# Fashion-MNIST label -> folder name, for the classes used here.
CLASSES = {0: "t-shirt", 1: "trouser", 7: "sneaker", 8: "bag"}


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return shape, data[4 + 4 * dims:]


def png_gray(width, height, pixels):
    """A minimal 8-bit grayscale PNG (signature, IHDR, one IDAT, IEND)."""
    def chunk(kind, payload):
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))
    rows = b"".join(b"\x00" + pixels[y * width:(y + 1) * width] for y in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows, 9)) +
            chunk(b"IEND", b""))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=400)
    parser.add_argument("--out", default=os.path.join(here, "images"))
    parser.add_argument("--source", default="/usr/share/datasets/fashion-mnist")
    args = parser.parse_args()

    (n, h, w), images = read_idx(os.path.join(args.source, "train-images-idx3-ubyte.gz"))
    _, labels = read_idx(os.path.join(args.source, "train-labels-idx1-ubyte.gz"))
    written = {name: 0 for name in CLASSES.values()}
    for name in written:
        os.makedirs(os.path.join(args.out, name), exist_ok=True)
    for i in range(n):
        name = CLASSES.get(labels[i])
        if name is None or written[name] >= args.per_class:
            continue
        pixels = images[i * h * w:(i + 1) * h * w]
        with open(os.path.join(args.out, name, "%05d.png" % i), "wb") as f:
            f.write(png_gray(w, h, pixels))
        written[name] += 1
        if all(v >= args.per_class for v in written.values()):
            break
    print("wrote", sum(written.values()), "images to", args.out, written)


if __name__ == "__main__":
    main()
