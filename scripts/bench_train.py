"""Training speed: our resident-tensor loop against the peers, measured in one run.

    python scripts/bench_train.py [--count 30000]

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
import time

import torch
from torch.nn import functional as F
from torch.utils.data import DataLoader, TensorDataset

from letters.config import DatasetConfig, TrainConfig
from letters.dataset import Dataset, generate_tensors
from letters.model import LetterMLP, ModelDims
from letters.strokes import CLASSES
from letters.train import _adam, as_input, l2_penalty, train_model


def dataloader_loop(x, y, config: TrainConfig, epochs: int) -> float:
    """The textbook loop; returns samples/s."""
    torch.manual_seed(config.seed)
    model = LetterMLP(ModelDims(784, config.hidden, 3))
    optimizer = _adam(model, config.lr)  # the same optimiser as ours: only the data path differs
    loader = DataLoader(TensorDataset(x, y), batch_size=config.batch_size, shuffle=True)
    start = time.perf_counter()
    for _ in range(epochs):
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb) + config.weight_decay * l2_penalty(model)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    return epochs * len(x) / (time.perf_counter() - start)


def sklearn_time_to(x_train, y_train, x_val, y_val, config: TrainConfig, target: float, max_epochs: int = 30):
    from sklearn.neural_network import MLPClassifier

    alpha = 2 * config.weight_decay * config.batch_size
    clf = MLPClassifier(hidden_layer_sizes=config.hidden, alpha=alpha, batch_size=config.batch_size,
                        learning_rate_init=config.lr, random_state=config.seed)
    xt, yt, xv, yv = x_train.numpy(), y_train.numpy(), x_val.numpy(), y_val.numpy()
    spent = 0.0
    for epoch in range(1, max_epochs + 1):
        start = time.perf_counter()
        clf.partial_fit(xt, yt, classes=[0, 1, 2])
        spent += time.perf_counter() - start
        if clf.score(xv, yv) >= target:
            return spent, epoch
    return math.inf, max_epochs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30000)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    print(f"torch threads: {torch.get_num_threads()}")
    tensors = generate_tensors(DatasetConfig(count=args.count, workers=2))
    data = Dataset(tensors["images"], tensors["labels"], tensors["is_val"], list(CLASSES), {})
    x, y = as_input(data.images), data.labels
    train, val = ~data.is_val, data.is_val
    config = TrainConfig(device="cpu")

    loop = TrainConfig(device="cpu", epochs=args.epochs, weight_decay=config.weight_decay)
    result = train_model(data, loop)
    ours = args.epochs * int(train.sum()) / result.history[-1]["seconds"]  # time in steps only, like theirs
    theirs = dataloader_loop(x[train], y[train], config, args.epochs)
    print(f"our loop (resident tensors, randperm):  {ours:9.0f} samples/s")
    print(f"DataLoader(TensorDataset, shuffle=True): {theirs:9.0f} samples/s")
    print(f"ratio: {ours / theirs:.2f}x (target >= 1.5)")

    reached = {}

    def stop_at_99(record):
        if record["val_accuracy"] >= 0.99 and "ours" not in reached:
            reached["ours"] = (record["seconds"], record["epoch"])
            raise KeyboardInterrupt  # stop the clock: train_model keeps the model so far

    train_model(data, TrainConfig(device="cpu", epochs=30), on_epoch=stop_at_99)
    our_s, our_epoch = reached.get("ours", (math.inf, 30))
    print(f"letters to 99% validation accuracy: {our_s:.2f} s ({our_epoch} epochs, hidden {config.hidden}, "
          f"weight decay {config.weight_decay:g})")
    try:
        sk_s, sk_epoch = sklearn_time_to(x[train], y[train], x[val], y[val], config, 0.99)
        print(f"scikit-learn MLPClassifier to 99%: {sk_s:.2f} s ({sk_epoch} epochs, "
              f"alpha {2 * config.weight_decay * config.batch_size:g}); ratio {sk_s / our_s:.2f}x slower")
    except ImportError:
        print("scikit-learn not installed: pip install -e '.[bench]' to compare with MLPClassifier")


if __name__ == "__main__":
    main()
