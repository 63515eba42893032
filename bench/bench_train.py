"""Training speed: our resident-tensor loop against the peers, measured in one run.

    python bench/bench_train.py [--count 30000] [--epochs 3]
    python bench/bench_train.py --quick       # the smoke test's size: 300 glyphs, one epoch, one seed

1. Samples/s of our loop (data resident on the device, batches by torch.randperm) against the
   standard DataLoader(TensorDataset(...), shuffle=True) loop: same data, model, batch size,
   optimiser and penalty.
2. Seconds of training until 99% validation accuracy: the default configuration against
   scikit-learn's MLPClassifier with the same hidden size and the same L2 strength
   (alpha = 2 * weight_decay * batch_size, see README), if scikit-learn is installed
   (pip install -e ".[bench]").
"""

import argparse
import math
import sys
import time

import torch
from torch.nn import functional as F
from torch.utils.data import DataLoader, TensorDataset

from letters.alphabet import CLASSES
from letters.config import DatasetConfig, TrainConfig
from letters.drawing.dataset import Dataset
from letters.drawing.generator import generate_tensors
from letters.errors import LettersError, run_script
from letters.inputs.tensors import as_input
from letters.network.model import LetterMLP, ModelDims
from letters.network.train import accuracy, l2_penalty, make_optimizer, train_model


def dataloader_loop(x, y, config: TrainConfig, epochs: int) -> float:
    """The textbook loop; returns samples/s."""
    torch.manual_seed(config.seed)
    model = LetterMLP(ModelDims(784, config.hidden, 3))
    optimizer = make_optimizer(model, config)  # the same optimiser as ours: only the data path differs
    loader = DataLoader(TensorDataset(x, y), batch_size=config.batch_size, shuffle=True)
    start = time.perf_counter()
    for _ in range(epochs):
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb) + config.weight_decay * l2_penalty(model)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    return epochs * len(x) / (time.perf_counter() - start)


def sklearn_time_to(x_train, y_train, x_val, y_val, config: TrainConfig, target: float, lr: float,
                    checks: int, max_epochs: int = 30):
    """Seconds of partial_fit until validation accuracy >= target, checked `checks` times an epoch."""
    from sklearn.neural_network import MLPClassifier

    alpha = 2 * config.weight_decay * config.batch_size
    clf = MLPClassifier(hidden_layer_sizes=config.hidden, alpha=alpha, batch_size=config.batch_size,
                        learning_rate_init=lr, random_state=config.seed)
    xt, yt, xv, yv = x_train.numpy(), y_train.numpy(), x_val.numpy(), y_val.numpy()
    order = torch.randperm(len(xt), generator=torch.Generator().manual_seed(config.seed)).numpy()
    chunks = [order[i::checks] for i in range(checks)]
    spent = 0.0
    for epoch in range(max_epochs):
        for k, chunk in enumerate(chunks):
            start = time.perf_counter()
            clf.partial_fit(xt[chunk], yt[chunk], classes=[0, 1, 2])
            spent += time.perf_counter() - start
            if clf.score(xv, yv) >= target:
                return spent, epoch + (k + 1) / checks
    return math.inf, max_epochs


def ours_time_to(data, config: TrainConfig, target: float, checks: int):
    """Seconds inside training steps until validation accuracy >= target, checked `checks` times an epoch."""
    x_val = as_input(data.images[data.is_val])
    y_val = data.labels[data.is_val]
    steps = math.ceil(int((~data.is_val).sum()) / config.batch_size)
    every = max(1, steps // checks)
    clock = {"start": None, "paused": 0.0, "reached": None}

    def check(done, total, model):
        # The clock starts after the first step (data loading and setup excluded, as for scikit-learn,
        # whose arrays are ready before its clock starts); the first step is counted as an average one.
        if clock["start"] is None:
            clock["start"] = time.perf_counter()
            return
        if done % every or clock["reached"]:
            return
        pause = time.perf_counter()
        model.eval()
        hit = accuracy(model, x_val, y_val) >= target
        model.train()
        clock["paused"] += time.perf_counter() - pause
        if hit:
            stepping = (time.perf_counter() - clock["start"] - clock["paused"]) * done / (done - 1)
            clock["reached"] = (stepping, done / steps)
            raise KeyboardInterrupt  # stops train_model cleanly

    try:
        train_model(data, config, on_step=check)
    except LettersError:  # stopped inside the first epoch: nothing to keep, the time is what we wanted
        pass
    return clock["reached"] or (math.inf, config.epochs)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="300 glyphs, one epoch, one round and one seed, at most "
                        "2 epochs to the target: a smoke test, not a figure")
    args = parser.parse_args(argv)
    rounds, seeds, max_epochs, workers = 3, (0, 1, 2), 30, 2  # seeds: the median over seeds: one run's luck is not a speed
    if args.quick:
        args.count, args.epochs = 300, 1
        rounds, seeds, max_epochs, workers = 1, (0,), 2, 1
    print(f"torch threads: {torch.get_num_threads()}")
    tensors = generate_tensors(DatasetConfig(count=args.count, workers=workers))
    data = Dataset(tensors["images"], tensors["labels"], tensors["is_val"], list(CLASSES), {})
    x, y = as_input(data.images), data.labels
    train, val = ~data.is_val, data.is_val
    config = TrainConfig(device="cpu")

    # augment off: the DataLoader loop has no per-batch distortion, and only the data path is compared
    loop = TrainConfig(device="cpu", epochs=args.epochs, weight_decay=config.weight_decay, augment=0.0)
    ours, theirs = 0.0, 0.0
    for _ in range(rounds):  # alternate, keep each one's best: the machine's noise hits both alike
        _, result = train_model(data, loop)
        ours = max(ours, args.epochs * int(train.sum()) / result.history[-1].seconds)  # steps only, like theirs
        theirs = max(theirs, dataloader_loop(x[train], y[train], config, args.epochs))
    print(f"our loop (resident tensors, randperm):  {ours:9.0f} samples/s")
    print(f"DataLoader(TensorDataset, shuffle=True): {theirs:9.0f} samples/s")
    print(f"ratio: {ours / theirs:.2f}x (target >= 1.5)")

    checks = 4

    def median(runs):
        runs = sorted(runs)
        return runs[len(runs) // 2]

    our_s, our_epochs = median(ours_time_to(data, TrainConfig(device="cpu", epochs=max_epochs, seed=s), 0.99, checks)
                               for s in seeds)
    print(f"letters to 99% validation accuracy: {our_s:.3f} s ({our_epochs:.2f} epochs, hidden {config.hidden}, "
          f"weight decay {config.weight_decay:g}, lr {config.lr:g}; median of seeds {seeds}, checked {checks} times an epoch)")
    try:
        for lr, why in ((1e-3, "its default learning rate"), (config.lr, "our learning rate")):
            sk_s, sk_epoch = median(sklearn_time_to(x[train], y[train], x[val], y[val], TrainConfig(seed=s), 0.99, lr, checks,
                                                    max_epochs)
                                    for s in seeds)
            print(f"scikit-learn MLPClassifier to 99%, {why} {lr:g}: {sk_s:.3f} s ({sk_epoch:.2f} epochs, "
                  f"alpha {2 * config.weight_decay * config.batch_size:g}); {sk_s / our_s:.2f}x our time")
    except ImportError:
        print("scikit-learn not installed: pip install -e '.[bench]' to compare with MLPClassifier")


if __name__ == "__main__":
    sys.exit(run_script(main))
