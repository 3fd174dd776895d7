#!/usr/bin/env python3
"""Fashion-MNIST training, tinyforge beside PyTorch in the same run: seconds per epoch on
THREADS threads and test accuracy after each epoch, for the MLP and CNN recipes of
../shared/baselines/README.md (examples/fashion-mnist/{mlp,cnn}.yaml).

Usage: bench/fashion_mnist_training.py [TINYFORGE] [EPOCHS] [THREADS]
       (defaults: build/cli/tinyforge 5 2; PyTorch from Debian's python3-torch via /usr/bin/python3)
Runs alternate tinyforge and PyTorch per model so both see the same machine load.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


def tinyforge_run(tool, model, epochs, threads, out):
    # Training never looks at the test split (it is evaluated once, when a run ends), so the
    # per-epoch test accuracy comes from ending the run after each epoch and resuming it: a resumed
    # run continues exactly as an uninterrupted one.
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    accuracy = []
    for epoch in range(1, epochs + 1):
        command = [tool, "train", str(ROOT / f"examples/fashion-mnist/{model}.yaml"),
                   "--epochs", str(epoch), "--out", out, "--json"]
        if epoch > 1:
            command.append("--resume")
        done = subprocess.run(command, capture_output=True, text=True, env=env)
        if done.returncode != 0:
            raise SystemExit(f"tinyforge train {model}: {done.stdout[-500:]} {done.stderr[-500:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        accuracy.append(result["test_accuracy_pct"])
    return {"seconds_per_epoch": result["seconds_per_epoch"], "test_accuracy_pct_per_epoch": accuracy}


def pytorch_run(model, epochs, threads):
    done = subprocess.run(["/usr/bin/python3", str(BENCH / "fashion_mnist_pytorch.py"), model,
                           str(epochs), str(threads)], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"PyTorch {model}: {done.stderr[-800:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    tool = sys.argv[1] if len(sys.argv) > 1 else "build/cli/tinyforge"
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    checkpoints = [e for e in (1, 3, 5) if e <= epochs]
    print(f"| model | runner | median s/epoch ({threads} threads) | ratio to PyTorch | "
          + " | ".join(f"test acc after {e}" for e in checkpoints) + " |")
    print("|---" * (4 + len(checkpoints)) + "|")
    with tempfile.TemporaryDirectory() as scratch:
        for model in ("mlp", "cnn"):
            ours = tinyforge_run(tool, model, epochs, threads, f"{scratch}/{model}")
            peer = pytorch_run(model, epochs, threads)
            peer_s = statistics.median(peer["seconds_per_epoch"])
            for runner, r in (("tinyforge", ours), ("PyTorch 1.13", peer)):
                s = statistics.median(r["seconds_per_epoch"])
                acc = r["test_accuracy_pct_per_epoch"]
                print(f"| {model} | {runner} | {s:.2f} | {s / peer_s:.2f} | "
                      + " | ".join(f"{acc[e - 1]:.2f}" for e in checkpoints) + " |", flush=True)


if __name__ == "__main__":
    main()
