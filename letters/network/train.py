"""The training loop: cross-entropy plus an explicit L2 penalty on the weights, biases exempt.

The whole dataset sits on the device as one tensor and is batched with `randperm`,
so the same loop runs on CPU, CUDA and MPS. Each epoch is an `EpochRecord` (data loss,
penalty, total loss, train and validation accuracy, every layer's weight norm); a run
is a `TrainResult`. A NaN loss stops training with a LettersError; Ctrl-C stops it and
keeps the best model so far. `fit.train_and_save` also writes the checkpoint.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import asdict, dataclass, field, fields
from typing import Callable

import torch
from torch.nn import functional as F

from ..config import TrainConfig
from ..drawing.augment import elastic_batch
from ..drawing.dataset import Dataset
from ..errors import LettersError, OptionError
from ..inputs.tensors import as_input
from .devices import resolve_device
from .model import LetterMLP, ModelDims

EVAL_BATCH = 8192  # samples per forward pass when measuring accuracy: bounded memory on any device


@dataclass
class EpochRecord:
    """One epoch of training; the checkpoint's `metrics.history` holds one per epoch."""

    epoch: int  # 1-based
    data_loss: float  # mean cross-entropy over the epoch's steps
    penalty: float  # mean weight_decay * sum of squared weights over the steps
    total_loss: float  # data_loss + penalty
    train_accuracy: float  # at the end of the epoch
    val_accuracy: float  # at the end of the epoch; NaN without a validation split
    weight_norms: list[float]  # L2 norm of each weight matrix, input side first
    lr: float | None = None  # the learning rate at the end of the epoch
    seconds: float = 0.0  # cumulative time in optimisation steps
    wall_seconds: float = 0.0  # cumulative, including the accuracy passes

    @classmethod
    def from_dict(cls, d: dict) -> "EpochRecord":
        """A record read back from a checkpoint (older ones may lack a field)."""
        return cls(**{f.name: d[f.name] for f in fields(cls) if f.name in d})


@dataclass
class TrainResult:
    """What a training run did. `letters train --json` prints its asdict; the checkpoint's
    `metrics` hold the same fields (without `checkpoint`, `failed`, `detector` and `stages`) plus `data`."""

    val_accuracy: float | None  # of the best epoch (the one kept)
    train_accuracy: float | None  # of the best epoch
    best_epoch: int  # 1-based; the weights of this epoch are the ones returned and saved
    epochs_run: int
    interrupted: bool  # Ctrl-C stopped it early
    train_seconds: float  # wall time of the epochs
    history: list[EpochRecord] = field(default_factory=list)
    checkpoint: str | None = None  # where train_and_save wrote the model
    failed: list[dict] = field(default_factory=list)  # {"path", "error"} of ImageFolder files that could not be used
    detector: str = "none"  # the none-of-the-letters detector: "trained", "interrupted" or "skipped" by Ctrl-C, or "none"
    stages: dict = field(default_factory=dict)  # seconds each phase took: generate or load, train, detector, save

    def metrics(self) -> dict:
        """The checkpoint's `metrics` (plain types)."""
        return {k: v for k, v in asdict(self).items() if k not in ("checkpoint", "failed", "detector", "stages")}


def l2_penalty(model: LetterMLP) -> torch.Tensor:
    """Sum of squared connection weights over every layer; biases are not connections."""
    return torch.stack([(layer.weight ** 2).sum() for layer in model.layers()]).sum()


def l1_penalty(model: LetterMLP) -> torch.Tensor:
    """Sum of absolute connection weights: L1, which pushes weights to exactly zero."""
    return torch.stack([layer.weight.abs().sum() for layer in model.layers()]).sum()


@torch.no_grad()
def accuracy(model: LetterMLP, x: torch.Tensor, y: torch.Tensor) -> float:
    if len(x) == 0:
        return float("nan")
    correct = sum(int((model(x[i:i + EVAL_BATCH]).argmax(1) == y[i:i + EVAL_BATCH]).sum())
                  for i in range(0, len(x), EVAL_BATCH))
    return correct / len(x)


def make_optimizer(model: LetterMLP, config: TrainConfig) -> torch.optim.Optimizer:
    """Adam (or SGD) with weight_decay=0: the decay is the explicit penalty in the loss, never counted
    twice. The fused kernel where the device has one (fewer small ops per step), else the default."""
    lr = config.lr
    if config.optimizer == "sgd":
        return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, nesterov=True, weight_decay=0.0)
    try:
        return torch.optim.Adam(model.parameters(), lr=lr, eps=config.adam_eps, weight_decay=0.0, fused=True)
    except (RuntimeError, ValueError):
        return torch.optim.Adam(model.parameters(), lr=lr, eps=config.adam_eps, weight_decay=0.0)


def _schedule(optimizer: torch.optim.Optimizer, config: TrainConfig, total: int):
    """The learning rate's factor at each step: a linear rise over the warm-up, then cosine to 0 or constant."""
    if config.schedule == "constant" and config.warmup == 0:
        return None
    warm = max(1, round(config.warmup * total)) if config.warmup > 0 else 0

    def factor(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        if config.schedule == "constant":
            return 1.0
        return 0.5 * (1.0 + math.cos(math.pi * min(step, total) / total))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


class NothingTrained(LettersError):
    """Ctrl-C came before the first epoch finished: there is no model to keep (exit 130, as any Ctrl-C)."""

    exit_code = 130


StepCallback = Callable[[int, int, LetterMLP], None]
EpochCallback = Callable[[EpochRecord], None]


def train_model(data: Dataset, config: TrainConfig, on_step: StepCallback | None = None,
                on_epoch: EpochCallback | None = None) -> tuple[LetterMLP, TrainResult]:
    """Fit a LetterMLP to `data`; `on_step(steps_done, steps_total, model)` and `on_epoch(record)`
    report progress. Returns the best epoch's model (on the CPU, in eval mode) and the result.
    Raises LettersError when the loss becomes NaN or infinite."""
    config.validate()
    device = resolve_device(config.device)
    x = as_input(data.images).to(device)  # (N, 784), resident for the whole run
    y = data.labels.to(device)
    train_idx = (~data.is_val).nonzero().flatten().to(device)
    val_idx = data.is_val.nonzero().flatten().to(device)
    x_train, y_train, x_val, y_val = x[train_idx], y[train_idx], x[val_idx], y[val_idx]
    if len(x_train) == 0:
        raise LettersError("the training split is empty; use more samples or a smaller validation fraction")
    model, result = _fit(x_train, y_train, x_val, y_val, config, len(data.classes), device, on_step, on_epoch)
    return model.cpu().eval(), result


def _fit(x_train: torch.Tensor, y_train: torch.Tensor, x_val: torch.Tensor, y_val: torch.Tensor,
         config: TrainConfig, outputs: int, device: torch.device, on_step: StepCallback | None,
         on_epoch: EpochCallback | None) -> tuple[LetterMLP, TrainResult]:
    """One network, trained from `config.seed`; on the device, in eval mode, at its best epoch."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        model = LetterMLP(ModelDims(x_train.shape[1], tuple(config.hidden), outputs), config.bias_init).to(device)
    optimizer = make_optimizer(model, config)
    total_steps = config.epochs * math.ceil(len(x_train) / config.batch_size)
    schedule = _schedule(optimizer, config, total_steps)
    order = torch.Generator(device=device).manual_seed(config.seed)
    n = len(x_train)
    steps_per_epoch = math.ceil(n / config.batch_size)
    history: list[EpochRecord] = []
    best_epoch, interrupted = 0, False
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
                inputs = x_train[batch]
                if config.augment > 0:
                    inputs = elastic_batch(inputs, config.augment, order)
                logits = model(inputs, config.dropout, order)
                data_loss = F.cross_entropy(logits, y_train[batch], label_smoothing=config.label_smoothing)
                penalty = config.weight_decay * (l1_penalty(model) if config.penalty == "l1" else l2_penalty(model))
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
            mean_data, mean_penalty = data_sum.item() / steps_per_epoch, penalty_sum.item() / steps_per_epoch
            total = mean_data + mean_penalty
            stepping += time.perf_counter() - epoch_start
            if not math.isfinite(total):
                raise OptionError("lr", f"{config.lr:g}: training diverged at epoch {epoch} (loss is {total}); the "
                                        f"learning rate is probably too high, try {config.lr / 10:g}")
            model.eval()
            record = EpochRecord(
                epoch=epoch, data_loss=mean_data, penalty=mean_penalty, total_loss=total,
                train_accuracy=accuracy(model, x_train, y_train), val_accuracy=accuracy(model, x_val, y_val),
                weight_norms=[float(layer.weight.detach().norm()) for layer in model.layers()],
                lr=optimizer.param_groups[0]["lr"], seconds=round(stepping, 4),
                wall_seconds=round(time.perf_counter() - start, 4),
            )
            history.append(record)
            score = record.val_accuracy if len(x_val) else record.train_accuracy
            if score >= best_val:
                best_val, best_epoch = score, epoch
                best_state = copy.deepcopy(model.state_dict())
            if on_epoch:
                on_epoch(record)
    except KeyboardInterrupt:
        interrupted = True
    seconds = time.perf_counter() - start
    if best_state is None:
        raise NothingTrained("stopped by Ctrl-C before the first epoch finished; nothing was saved")
    model.load_state_dict(best_state)
    best = history[best_epoch - 1]
    result = TrainResult(val_accuracy=best.val_accuracy, train_accuracy=best.train_accuracy, best_epoch=best_epoch,
                         epochs_run=len(history), interrupted=interrupted, train_seconds=round(seconds, 3),
                         history=history)
    return model.eval(), result
