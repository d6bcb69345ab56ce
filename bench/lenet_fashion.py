"""LeNet-5 on Fashion-MNIST for 3 epochs: tamrin vs PyTorch, the same script, 1 thread.

Each framework runs in its own fresh process (BLAS/OpenMP threads = 1; the two run at the
same time, so that they share the machine's load): load the IDX files,
scale to [0, 1] and standardise with the training pixel mean/std, train LeNet-5 with Adam
(lr 3e-3 annealed to 0 by a per-step cosine schedule, batch 64 by default, shuffled,
cross-entropy) for 3 epochs, then measure test accuracy. Wall and CPU time cover everything
after the imports (data loading included); on a loaded machine CPU time is the steadier one.

    python -m bench.lenet_fashion                    # both, then a table
    python -m bench.lenet_fashion --framework torch  # one (what the parent runs)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

EPOCHS, SEED = 3, 0


def _data():
    from tamrin.data import load_fashion_mnist

    train, test = load_fashion_mnist(train=True), load_fashion_mnist(train=False)
    X_train = train.data[:, None].astype("float32") / 255.0
    X_test = test.data[:, None].astype("float32") / 255.0
    mean, std = X_train.mean(), X_train.std()
    return (X_train - mean) / std, train.target, (X_test - mean) / std, test.target


def run_tamrin(batch: int, lr: float) -> dict[str, float]:
    import tamrin
    from tamrin import nn, optim
    from tamrin.data import DataLoader, TensorDataset
    from tamrin.models import LeNet5
    from tamrin.train import evaluate, fit

    start, cpu = time.perf_counter(), time.process_time()
    X_train, y_train, X_test, y_test = _data()
    tamrin.manual_seed(SEED)
    model = LeNet5()
    loader = DataLoader(TensorDataset(X_train, y_train), batch, shuffle=True)
    opt = optim.Adam(model.parameters(), lr=lr)
    cosine = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=EPOCHS * len(loader))
    history = fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=EPOCHS, progress=False,
                  scheduler=cosine, scheduler_interval="step")
    acc = evaluate(model, DataLoader(TensorDataset(X_test, y_test), 1000), ["accuracy"])
    return {"test_accuracy": acc["accuracy"], "wall_s": time.perf_counter() - start,
            "cpu_s": time.process_time() - cpu, "epoch_s": [e["time"] for e in history.epochs]}


def run_torch(batch: int, lr: float) -> dict[str, float]:
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    torch.set_num_threads(1)
    start, cpu = time.perf_counter(), time.process_time()
    X_train, y_train, X_test, y_test = _data()
    torch.manual_seed(SEED)
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(TensorDataset(torch.from_numpy(X_train), torch.from_numpy(y_train)),
                        batch, shuffle=True)
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=EPOCHS * len(loader))
    epoch_s = []
    for _ in range(EPOCHS):
        t0 = time.perf_counter()
        model.train()
        for x, y in loader:
            loss = loss_fn(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            cosine.step()
        epoch_s.append(time.perf_counter() - t0)
    model.eval()
    with torch.no_grad():
        pred = model(torch.from_numpy(X_test)).argmax(1).numpy()
    return {"test_accuracy": float((pred == y_test).mean()),
            "wall_s": time.perf_counter() - start, "cpu_s": time.process_time() - cpu,
            "epoch_s": epoch_s}


def _start(framework: str, batch: int, lr: float) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, "-m", "bench.lenet_fashion", "--framework",
                             framework, "--batch-size", str(batch), "--lr", str(lr)],
                            env=env, stdout=subprocess.PIPE, text=True)


def _result(process: subprocess.Popen) -> dict[str, float]:
    out, _ = process.communicate()
    if process.returncode:
        raise RuntimeError(f"{process.args} failed with exit code {process.returncode}")
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framework", choices=("tamrin", "torch"))
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    args = parser.parse_args()
    if args.framework:
        run = {"tamrin": run_tamrin, "torch": run_torch}[args.framework]
        print(json.dumps(run(args.batch_size, args.lr)))
        return
    # both at once, so that they share whatever load the machine has
    running = {fw: _start(fw, args.batch_size, args.lr) for fw in ("tamrin", "torch")}
    results = {fw: _result(p) for fw, p in running.items()}
    print("| framework | test accuracy | wall time (s) | CPU time (s) | per epoch, wall (s) |")
    print("|-----------|--------------:|--------------:|-------------:|---------------------|")
    for fw, r in results.items():
        epochs = ", ".join(f"{t:.0f}" for t in r["epoch_s"])
        print(f"| {fw} | {r['test_accuracy']:.4f} | {r['wall_s']:.0f} | {r['cpu_s']:.0f} | "
              f"{epochs} |")
    for key in ("wall_s", "cpu_s"):
        ratio = results["tamrin"][key] / results["torch"][key]
        print(f"tamrin / torch {key[:-2]} time: {ratio:.2f}x")


if __name__ == "__main__":
    main()
