#!/usr/bin/env python3
"""Writes the first N training and M test images of Debian's Fashion-MNIST (IDX, gzipped) into
DIR, in the same four files, so a project with `data: {format: fashion_mnist, path: DIR}` trains
on a small set. Usage: fashion_subset.py DIR N M"""
import gzip
import os
import struct
import sys

SOURCE = "/usr/share/datasets/fashion-mnist"


def subset(name, count, out_dir):
    with gzip.open(os.path.join(SOURCE, name), "rb") as f:
        data = f.read()
    magic, total = struct.unpack(">II", data[:8])
    dims = (magic & 0xFF) - 1  # dimensions after the count
    header = 8 + 4 * dims
    item = 1
    for d in struct.unpack(">" + "I" * dims, data[8:header]):
        item *= d
    count = min(count, total)
    body = data[header:header + count * item]
    out = data[:4] + struct.pack(">I", count) + data[8:header] + body
    with gzip.open(os.path.join(out_dir, name), "wb") as f:
        f.write(out)


def main():
    out_dir, train, test = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    os.makedirs(out_dir, exist_ok=True)
    subset("train-images-idx3-ubyte.gz", train, out_dir)
    subset("train-labels-idx1-ubyte.gz", train, out_dir)
    subset("t10k-images-idx3-ubyte.gz", test, out_dir)
    subset("t10k-labels-idx1-ubyte.gz", test, out_dir)


if __name__ == "__main__":
    main()
