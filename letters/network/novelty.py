"""Knowing when a drawing is none of A, B and C: a companion network.

The classifier only knows three answers, so a circle or an 8 gets one of them with full
confidence. A second network learns the same generated letters against generated near
misses (other letters and digits drawn from the same strokes, scribbles, specks). Its
probability that a drawing is a near miss is the `unsure` signal; the threshold is set so that
only `false_alarm` of fresh generated letters cross it. It is stored in the checkpoint as plain
types under "novelty"; the classifier and its analysis are untouched by it.
"""

from __future__ import annotations

import torch

from ..config import GeneratorConfig, NoveltyConfig, TrainConfig
from ..inputs.tensors import as_input
from .model import LetterMLP, ModelDims

CLASSES = ("letter", "none")  # the detector's two outputs


@torch.no_grad()
def novelty_scores(detector: LetterMLP, images: torch.Tensor) -> torch.Tensor:
    """(N, 28, 28) uint8 -> (N,) probability that each image is none of the letters."""
    device = next(detector.parameters()).device
    out = [torch.softmax(detector(as_input(images[i:i + 4096]).to(device)), 1)[:, 1].cpu()
           for i in range(0, len(images), 4096)]
    return torch.cat(out) if out else torch.zeros(0)


def train_novelty(letters: torch.Tensor, is_val: torch.Tensor, config: NoveltyConfig,
                  generator: GeneratorConfig, device: str = "cpu", workers: int = 1) -> dict:
    """Train the detector on `letters` (N, 28, 28) uint8 (validation rows held out) against fresh
    near misses; return its checkpoint entry of plain types, with the calibration it measured."""
    from ..drawing.dataset import Dataset  # the generator's Dataset type, reused for a two-class problem
    from ..drawing.generator import generate_non_letters
    from ..drawing.nonletters import NON_LETTER_KINDS
    from .train import NothingTrained, train_model

    config.validate()
    if len(letters) > config.letters:  # 400k letters against 144k near misses (not 288k) taught it to say "letter": 5 points fewer flagged
        keep = torch.randperm(len(letters), generator=torch.Generator().manual_seed(config.seed))[:config.letters].sort().values
        letters, is_val = letters[keep], is_val[keep]
    count = min(config.count, max(len(letters), 300))  # no more near misses than letters: a small set stays quick
    others = generate_non_letters(count, config.seed, generator, workers)
    n_val_others = max(1, round(len(others) * 0.1))
    others_val = torch.zeros(len(others), dtype=torch.bool)
    others_val[-n_val_others:] = True
    images = torch.cat([letters, others])
    labels = torch.cat([torch.zeros(len(letters), dtype=torch.int64), torch.ones(len(others), dtype=torch.int64)])
    data = Dataset(images=images, labels=labels, is_val=torch.cat([is_val, others_val]), classes=list(CLASSES), meta={})
    try:
        detector, result = train_model(data, TrainConfig(hidden=config.hidden, epochs=config.epochs, device=device,
                                                         seed=config.seed, weight_decay=1e-4, augment=config.augment))
    except NothingTrained:
        raise KeyboardInterrupt from None
    if result.interrupted:  # a detector cut short flags too little: never saved as if whole
        raise KeyboardInterrupt
    letter_scores = novelty_scores(detector, letters[is_val])
    other_scores = novelty_scores(detector, others[others_val])
    # the (1 - false_alarm) quantile of held-out letters, never below an even call
    threshold = max(0.5, float(torch.quantile(letter_scores, 1.0 - config.false_alarm))) if len(letter_scores) else 0.5
    return {
        "dims": detector.dims.as_dict(),
        "model_state_dict": {k: v.detach().cpu().clone() for k, v in detector.state_dict().items()},
        "threshold": threshold,
        "kinds": list(NON_LETTER_KINDS),
        "calibration": {
            "letters_n": int(len(letter_scores)),
            "letters_flagged": float((letter_scores >= threshold).float().mean()) if len(letter_scores) else None,
            "non_letters_n": int(len(other_scores)),
            "non_letters_flagged": float((other_scores >= threshold).float().mean()),
        },
        "config": {"count": count, "letters": int(len(letters)), "hidden": list(config.hidden), "epochs": config.epochs, "augment": config.augment,
                   "false_alarm": config.false_alarm, "seed": config.seed},
    }


def load_novelty(checkpoint: dict) -> tuple[LetterMLP, float] | None:
    """The detector and its threshold from a checkpoint that `checkpoint.read_checkpoint` accepted
    (it checks the detector as strictly as the classifier), or None when it has none."""
    entry = checkpoint.get("novelty")
    if entry is None:
        return None
    detector = LetterMLP(ModelDims.from_dict(entry["dims"]))
    detector.load_state_dict(entry["model_state_dict"])
    return detector.eval(), float(entry["threshold"])
