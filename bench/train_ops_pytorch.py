#!/usr/bin/python3
"""The peer of bench_train_ops: forward + backward of the same Fashion-MNIST CNN in PyTorch
(Debian python3-torch), batch 64, random images, on the given thread count. Run both in one
invocation so the machine's load is the same:

    build/bench/bench_train_ops 100 2; /usr/bin/python3 bench/train_ops_pytorch.py 100 2
"""
import sys
import time

import torch
import torch.nn as nn

batches = int(sys.argv[1]) if len(sys.argv) > 1 else 100
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
torch.set_num_threads(threads)
torch.manual_seed(1234)
model = nn.Sequential(
    nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(1568, 64), nn.ReLU(), nn.Linear(64, 10))
images = torch.rand(64, 1, 28, 28)
labels = torch.randint(0, 10, (64,))
loss_fn = nn.CrossEntropyLoss()


def step():
    model.zero_grad()
    loss_fn(model(images), labels).backward()


for _ in range(5):
    step()
start, cpu_start = time.perf_counter(), time.process_time()
for _ in range(batches):
    step()
wall = (time.perf_counter() - start) * 1000 / batches
cpu = (time.process_time() - cpu_start) * 1000 / batches
print(f"PyTorch {torch.__version__} CNN forward+backward, batch 64, {threads} threads, "
      f"{batches} batches: {wall:.2f} ms/batch wall ({cpu:.2f} ms CPU); "
      f"{wall * 938 / 1000:.1f} s per 60000-image epoch (938 batches)")
