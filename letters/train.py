"""Training: cross-entropy plus an explicit L2 penalty on the weights, biases exempt.

The whole dataset sits on the device as one tensor and is batched with `randperm`,
so the same loop runs on CPU, CUDA and MPS. Each epoch records data loss, penalty,
total loss, train and validation accuracy and every layer's weight norm. A NaN loss
stops training with a LettersError; Ctrl-C stops it and keeps the best model so far.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field

import torch
from torch.nn import functional as F

from .config import TrainConfig
from .dataset import Dataset
from .devices import resolve_device
from .errors import LettersError
from .model import LetterMLP, ModelDims

EVAL_BATCH = 8192  # samples per forward pass when measuring accuracy: bounded memory on any device


@dataclass
class TrainResult:
    model: LetterMLP  # the best model by validation accuracy, on the CPU
    history: list = field(default_factory=list)  # one dict per epoch
    best_epoch: int = 0
    interrupted: bool = False  # Ctrl-C stopped it early
    seconds: float = 0.0  # wall time of the epochs

    @property
    def metrics(self) -> dict:
        best = self.history[self.best_epoch - 1] if self.history else {}
        return {"val_accuracy": best.get("val_accuracy"), "train_accuracy": best.get("train_accuracy"),
                "best_epoch": self.best_epoch, "epochs_run": len(self.history),
                "interrupted": self.interrupted, "train_seconds": round(self.seconds, 3),
                "history": self.history}


def l2_penalty(model: LetterMLP) -> torch.Tensor:
    """Sum of squared connection weights over every layer; biases are not connections."""
    return sum((layer.weight ** 2).sum() for layer in model.layers())


@torch.no_grad()
def accuracy(model: LetterMLP, x: torch.Tensor, y: torch.Tensor) -> float:
    if len(x) == 0:
        return float("nan")
    correct = sum(int((model(x[i:i + EVAL_BATCH]).argmax(1) == y[i:i + EVAL_BATCH]).sum())
                  for i in range(0, len(x), EVAL_BATCH))
    return correct / len(x)


def as_input(images: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 28, 28) ink images -> float (N, 784) in [0, 1]."""
    return images.flatten(1).float().div_(255.0)


def _adam(model: LetterMLP, lr: float) -> torch.optim.Optimizer:
    """Adam with weight_decay=0: the decay is the explicit penalty in the loss, never counted twice.
    The fused kernel where the device has one (fewer small ops per step), else the default."""
    try:
        return torch.optim.Adam(model.parameters(), lr=lr, weight_decay=0.0, fused=True)
    except (RuntimeError, ValueError):
        return torch.optim.Adam(model.parameters(), lr=lr, weight_decay=0.0)


def train_model(data: Dataset, config: TrainConfig, on_step=None, on_epoch=None) -> TrainResult:
    """Fit a LetterMLP to `data`; `on_step(steps_done, steps_total, model)` and `on_epoch(record)`
    report progress. Raises LettersError when the loss becomes NaN or infinite."""
    config.validate()
    device = resolve_device(config.device)
    x = as_input(data.images).to(device)  # (N, 784), resident for the whole run
    y = data.labels.to(device)
    train_idx = (~data.is_val).nonzero().flatten().to(device)
    val_idx = data.is_val.nonzero().flatten().to(device)
    x_train, y_train, x_val, y_val = x[train_idx], y[train_idx], x[val_idx], y[val_idx]
    if len(x_train) == 0:
        raise LettersError("the training split is empty; use more samples or a smaller --val-fraction")

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        model = LetterMLP(ModelDims(x.shape[1], tuple(config.hidden), len(data.classes))).to(device)
    optimizer = _adam(model, config.lr)
    total_steps = config.epochs * math.ceil(len(x_train) / config.batch_size)
    schedule = (torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_steps)
                if config.schedule == "cosine" else None)
    order = torch.Generator(device=device).manual_seed(config.seed)
    n = len(x_train)
    steps_per_epoch = math.ceil(n / config.batch_size)
    result = TrainResult(model=model)
    best_state, best_val = None, -1.0
    start = time.perf_counter()
    stepping = 0.0  # seconds inside the optimisation steps alone, for speed figures
    try:
        for epoch in range(1, config.epochs + 1):
            model.train()
            epoch_start = time.perf_counter()
            data_sum = torch.zeros((), device=device)  # summed over steps
            penalty_sum = torch.zeros((), device=device)
            perm = torch.randperm(n, device=device, generator=order)
            for step in range(steps_per_epoch):
                batch = perm[step * config.batch_size:(step + 1) * config.batch_size]
                logits = model(x_train[batch])
                data_loss = F.cross_entropy(logits, y_train[batch])
                penalty = config.weight_decay * l2_penalty(model)
                loss = data_loss + penalty
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                if schedule is not None:
                    schedule.step()
                data_sum += data_loss.detach()
                penalty_sum += penalty.detach()
                if on_step:
                    on_step((epoch - 1) * steps_per_epoch + step + 1, config.epochs * steps_per_epoch, model)
            data_loss, penalty = data_sum.item() / steps_per_epoch, penalty_sum.item() / steps_per_epoch
            total = data_loss + penalty
            stepping += time.perf_counter() - epoch_start
            if not math.isfinite(total):
                raise LettersError(f"training diverged at epoch {epoch} (loss is {total}); the learning rate "
                                   f"{config.lr:g} is probably too high, try --lr {config.lr / 10:g}")
            model.eval()
            record = {
                "epoch": epoch, "data_loss": data_loss, "penalty": penalty, "total_loss": total,
                "train_accuracy": accuracy(model, x_train, y_train),
                "val_accuracy": accuracy(model, x_val, y_val),
                "weight_norms": [float(layer.weight.detach().norm()) for layer in model.layers()],
                "lr": optimizer.param_groups[0]["lr"],  # at the end of the epoch
                "seconds": round(stepping, 4),  # cumulative time in optimisation steps
                "wall_seconds": round(time.perf_counter() - start, 4),  # including the accuracy passes
            }
            result.history.append(record)
            score = record["val_accuracy"] if len(x_val) else record["train_accuracy"]
            if score >= best_val:
                best_val, result.best_epoch = score, epoch
                best_state = copy.deepcopy(model.state_dict())
            if on_epoch:
                on_epoch(record)
    except KeyboardInterrupt:
        result.interrupted = True
    result.seconds = time.perf_counter() - start
    if best_state is None:
        raise LettersError("training was stopped before the first epoch finished; nothing to save")
    model.load_state_dict(best_state)
    result.model = model.cpu().eval()
    return result
