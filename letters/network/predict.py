"""Inference: image files in, letters with probabilities out.

Every file goes through `images.open_image` and the one `preprocess` function, then
through the network in batches. Each input becomes a `Prediction`; a file that cannot
be used becomes one with its `error`, and the others are still classified.
`evaluate_folder` scores an ImageFolder tree into an `Evaluation`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch

from ..config import ClassifyConfig, EvaluateConfig
from ..errors import LettersError
from ..inputs.imagefolder import class_folders
from ..inputs.images import find_images, open_image
from ..inputs.paper import FINDINGS, Reading
from ..inputs.preprocess import NoInk, preprocess
from ..inputs.tensors import as_input, image_tensor
from .model import LetterMLP
from .novelty import novelty_scores

BATCH = 1024  # images per forward pass


@dataclass
class Loaded:
    path: str
    image: torch.Tensor | None = None  # (28, 28) uint8, the network's view
    error: str | None = None  # why the file could not be used at all
    findings: tuple[str, ...] = ()  # what the preprocessing noted (inputs.paper.FINDINGS): reasons to be unsure
    reading: Reading | None = None  # how the ink was found (LETTERS_DEBUG shows it)


def load_input(path: str | Path) -> Loaded:
    """One file through the loader and the preprocessing function; errors become text. A picture with
    no letter on it (blank paper, noise) is no error: it is read, and found to hold nothing."""
    try:
        image, transform = preprocess(open_image(path))
    except NoInk as nothing:
        return Loaded(str(path), findings=(nothing.finding,))
    except LettersError as error:
        return Loaded(str(path), error=str(error))
    return Loaded(str(path), image_tensor(image), findings=transform.reading.findings, reading=transform.reading)


def load_inputs(paths) -> list[Loaded]:
    """Files and folders (searched recursively) -> one Loaded per image or problem."""
    files, problems = find_images(paths)
    return [Loaded(str(p), error=why) for p, why in problems] + [load_input(p) for p in files]


@torch.no_grad()
def probabilities(model: LetterMLP, images: torch.Tensor) -> torch.Tensor:
    """(N, 28, 28) uint8 -> (N, classes) softmax probabilities, in batches."""
    device = next(model.parameters()).device
    out = [torch.softmax(model(as_input(images[i:i + BATCH]).to(device)), 1).cpu()
           for i in range(0, len(images), BATCH)]
    return torch.cat(out) if out else torch.zeros(0, model.dims.outputs)


@dataclass
class UnitPush:
    """A hidden unit that pushed a prediction: its rise over a blank page x its outgoing weight to the
    predicted class (study.forward.pushes)."""

    name: str  # "L<layer>.<index>", the last hidden layer, whose units vote directly
    category: str  # what the analysis calls it (study.units.CATEGORIES)
    stroke: str | None  # the stroke it answers most, if any
    push: float
    vote: str | None = None  # the letter it votes for most, as the analysis names it
    quiet: bool = False  # it pushes by going quieter than on a blank page (a vote against the answer withdrawn)


@dataclass
class Prediction:
    """One input of `letters classify`; `--json` prints its asdict less the fields that are None."""

    path: str
    prediction: str | None = None  # the most probable class; None when the file could not be used
    probabilities: dict[str, float] | None = None  # class -> softmax probability
    unsure: bool | None = None  # one or more of `reasons` holds
    reasons: list[str] | None = None  # why it is unsure: codes of UNSURE_REASONS
    none_score: float | None = None  # the companion detector's probability that it is none of the letters
    threshold: float | None = None  # the detector's threshold, over which the score means "none"
    error: str | None = None  # why the file could not be used
    explanation: list[UnitPush] | None = None  # with --explain: the units that pushed the answer most
    saved_input: str | None = None  # with --save-input: the PNG of what the network saw


UNSURE_REASONS = (*FINDINGS, "none", "low")  # what the picture holds (inputs.paper); looks like none of the letters
# (the detector); no letter clearly likelier than the others


def unsure_reasons(top: float, none_score: float | None, threshold: float | None, min_confidence: float,
                   findings: tuple[str, ...] = ()) -> list[str]:
    """The one rule that marks an answer unsure, for classify, evaluate and the draw page alike."""
    reasons = list(findings)
    if none_score is not None and threshold is not None and none_score >= threshold:
        reasons.append("none")
    if top < min_confidence:
        reasons.append("low")
    return reasons


def classify(model: LetterMLP, classes, loaded: list[Loaded], min_confidence: float = ClassifyConfig.min_confidence,
             novelty: tuple[LetterMLP, float] | None = None) -> list[Prediction]:
    """One Prediction per input, in order. `novelty` (detector, threshold) adds the none-of-the-
    letters score; at or over the threshold the answer is unsure whatever its probability."""
    good = [item.image for item in loaded if item.image is not None]
    stacked = torch.stack(good) if good else torch.zeros(0, 28, 28, dtype=torch.uint8)
    probs = probabilities(model, stacked) if good else torch.zeros(0, len(classes))
    scores = novelty_scores(novelty[0], stacked) if novelty is not None and good else None
    predictions, k = [], 0
    for item in loaded:
        if item.image is None:  # a file that could not be read, or a picture with no letter on it
            nothing = list(item.findings) if item.error is None else None
            predictions.append(Prediction(item.path, error=item.error, unsure=True if nothing else None, reasons=nothing))
            continue
        p = probs[k]
        top = int(p.argmax())
        score = float(scores[k]) if scores is not None else None
        k += 1
        reasons = unsure_reasons(float(p[top]), score, novelty[1] if novelty else None, min_confidence, item.findings)
        predictions.append(Prediction(item.path, prediction=classes[top],
                                      probabilities={c: round(float(v), 6) for c, v in zip(classes, p)},
                                      unsure=bool(reasons), reasons=reasons,
                                      none_score=None if score is None else round(score, 4),
                                      threshold=novelty[1] if novelty else None))
    return predictions


@dataclass
class Misread:
    """A file of an evaluated folder, with the probability the model gave its true letter."""

    path: str
    true: str
    prediction: str
    probability_true: float
    explanation: list[UnitPush] | None = None  # with --explain: units that favoured the wrong answer most


@dataclass
class Unreadable:
    path: str
    error: str


@dataclass
class Evaluation:
    """`letters evaluate`'s result; `--json` prints its asdict."""

    n: int  # images scored (readable ones)
    accuracy: float
    per_class: dict[str, float | None]  # None for a class with no images
    confusion: list[list[int]]  # rows true, columns predicted, in `classes` order
    classes: list[str]
    worst: list[Misread]  # lowest probability of the true letter first
    failed: list[Unreadable]  # files that could not be read
    wrong: list[Misread] = field(default_factory=list)  # every misclassified file, lowest probability of the truth first
    cross_entropy: float = float("nan")  # mean -ln P(true letter): moves less than a count of errors
    coverage: list[Coverage] = field(default_factory=list)  # unsure rules: what they flag and how right the rest is


@dataclass
class Coverage:
    """One unsure rule on a labelled set: the share of answers it flags and the accuracy of the others."""

    rule: str  # "none" (nothing flagged), "low", "none-detector", "rule" (the one rule), ...
    flagged: float  # share of answers flagged
    accuracy: float  # accuracy of the answers not flagged
    wrong_flagged: int  # wrong answers among the flagged
    wrong: int  # wrong answers in all


P_FLOOR = 1e-6  # the least probability counted in a cross-entropy: one confident mistake costs at most 13.8


@dataclass
class Score:
    """How a model reads labelled images: the numbers `evaluate` and the recipe screens report."""

    n: int
    accuracy: float
    per_class: dict[str, float | None]
    cross_entropy: float
    probabilities: torch.Tensor  # (N, classes)
    predicted: torch.Tensor  # (N,)


def score_images(model: LetterMLP, images: torch.Tensor, labels: torch.Tensor, classes) -> Score:
    """Accuracy, per-letter accuracy and mean cross-entropy of (N, 28, 28) uint8 images with labels (N,)."""
    probs = probabilities(model, images)
    pred = probs.argmax(1)
    per_class = {c: (float((pred[labels == i] == i).float().mean()) if (labels == i).any() else None)
                 for i, c in enumerate(classes)}
    true = probs[torch.arange(len(labels)), labels].clamp_min(P_FLOOR)
    return Score(len(labels), float((pred == labels).float().mean()) if len(labels) else float("nan"), per_class,
                 float(-true.log().mean()) if len(labels) else float("nan"), probs, pred)


def coverage(probs: torch.Tensor, labels: torch.Tensor, scores: torch.Tensor | None, threshold: float | None,
             min_confidence: float = ClassifyConfig.min_confidence) -> list[Coverage]:
    """What each unsure rule flags on labelled images, and how right the answers it leaves are: nothing
    flagged, a low top probability, the detector, and the one rule (`unsure_reasons`: either)."""
    pred = probs.argmax(1)
    wrong = pred != labels
    low = probs.max(1).values < min_confidence
    rules = {"nothing": torch.zeros_like(low), "low": low}
    if scores is not None and threshold is not None:
        rules["detector"] = scores >= threshold
        rules["rule"] = low | rules["detector"]
    out = []
    for name, flagged in rules.items():
        kept = ~flagged
        out.append(Coverage(name, round(float(flagged.float().mean()), 5),
                            round(float((~wrong[kept]).float().mean()), 5) if kept.any() else float("nan"),
                            int((wrong & flagged).sum()), int(wrong.sum())))
    return out


def evaluate_folder(model: LetterMLP, classes, root: str | Path, worst: int = EvaluateConfig.worst,
                    novelty: tuple[LetterMLP, float] | None = None) -> Evaluation:
    """Accuracy, per-class accuracy, confusion matrix (rows true, columns predicted) and
    the worst-classified files of an ImageFolder tree (A/, B/, C/, case-insensitive)."""
    root = Path(root)
    if not root.exists():
        raise LettersError(f"{root} does not exist; give a folder with A/, B/, C/ subfolders")
    if not root.is_dir():
        raise LettersError(f"{root} is a file; give a folder with A/, B/, C/ subfolders")
    folders = class_folders(root)
    if not folders:
        raise LettersError(f"{root} has no A/, B/ or C/ subfolders; put each letter's images in its own folder")
    truth, loaded = [], []
    for letter, folder in sorted(folders.items()):
        files, _ = find_images([folder])
        for f in files:
            loaded.append(load_input(f))
            truth.append(classes.index(letter))
    if not loaded:
        raise LettersError(f"{root}: its letter subfolders hold no images")
    failed = [Unreadable(item.path, item.error or "no letter found (" + ", ".join(item.findings) + ")")
              for item in loaded if item.image is None]
    kept = [(i, item.image) for i, item in enumerate(loaded) if item.image is not None]
    if not kept:
        raise LettersError(f"{root}: none of its {len(loaded)} images could be read (first: {failed[0].error})")
    keep = [i for i, _ in kept]
    y = torch.tensor([truth[i] for i in keep])
    scored = score_images(model, torch.stack([image for _, image in kept]), y, classes)
    probs, pred = scored.probabilities, scored.predicted
    confusion = torch.zeros(len(classes), len(classes), dtype=torch.int64)
    confusion.index_put_((y, pred), torch.ones_like(y), accumulate=True)
    true_prob = probs[torch.arange(len(y)), y]
    ranked = true_prob.argsort().tolist()
    order = ranked[:worst]
    misread = [i for i in ranked if int(pred[i]) != int(y[i])]
    images = torch.stack([image for _, image in kept])
    scores = novelty_scores(novelty[0], images) if novelty is not None else None
    return Evaluation(
        n=len(keep), accuracy=scored.accuracy, per_class=scored.per_class, cross_entropy=round(scored.cross_entropy, 5),
        confusion=confusion.tolist(), classes=list(classes),
        worst=[Misread(loaded[keep[i]].path, classes[int(y[i])], classes[int(pred[i])], round(float(true_prob[i]), 4))
               for i in order],
        failed=failed,
        wrong=[Misread(loaded[keep[i]].path, classes[int(y[i])], classes[int(pred[i])], round(float(true_prob[i]), 4))
               for i in misread],
        coverage=coverage(probs, y, scores, novelty[1] if novelty else None),
    )
