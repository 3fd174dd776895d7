#!/usr/bin/python3
"""The peer: ../shared/baselines/README.md's Fashion-MNIST recipes in PyTorch (Debian
python3-torch), run in the same benchmark invocation as tinyforge so the ratios are fair.

Usage: /usr/bin/python3 bench/fashion_mnist_pytorch.py {mlp|cnn} EPOCHS THREADS
Prints one JSON object: seconds per epoch (training only) and test accuracy after each epoch.
"""
import gzip
import json
import struct
import sys
import time

import torch
from torch import nn

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return torch.frombuffer(bytearray(data[4 + 4 * rank:]), dtype=torch.uint8).reshape(dims)


def load(split):
    images = read_idx(f"{DATA}/{split}-images-idx3-ubyte.gz").float().div_(255.0).unsqueeze(1)
    labels = read_idx(f"{DATA}/{split}-labels-idx1-ubyte.gz").long()
    return images, labels


def model_of(name):
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(1568, 64), nn.ReLU(), nn.Linear(64, 10))


def main():
    name, epochs, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    torch.manual_seed(1234)
    train_x, train_y = load("train")
    test_x, test_y = load("t10k")
    model = model_of(name)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    seconds, accuracy = [], []
    for _ in range(epochs):
        model.train()
        start = time.perf_counter()
        order = torch.randperm(len(train_x))
        for i in range(0, len(order), 64):
            batch = order[i:i + 64]
            optimizer.zero_grad()
            loss_fn(model(train_x[batch]), train_y[batch]).backward()
            optimizer.step()
        seconds.append(time.perf_counter() - start)
        model.eval()
        with torch.no_grad():
            correct = sum((model(test_x[i:i + 1000]).argmax(1) == test_y[i:i + 1000]).sum().item()
                          for i in range(0, len(test_x), 1000))
        accuracy.append(100.0 * correct / len(test_x))
    print(json.dumps({"model": name, "threads": threads, "seconds_per_epoch": seconds,
                      "test_accuracy_pct_per_epoch": accuracy}))


if __name__ == "__main__":
    main()
