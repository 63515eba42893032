"""Which hidden units fire on which strokes, and why a B can become a C.

Stroke probes are generated glyphs drawn with only some of their strokes, each stroke
where it sits in the normalised full glyph. Per hidden unit this module measures the
mean activation on every role and letter, the baseline on a blank image (ReLU(bias)
for the first layer), a label and selectivity, a Network-Dissection IoU against the
exact stroke masks, the unit's votes for each class, and how much ablating it costs.
It then reproduces the text's misclassification example with measurements.
Returns plain dicts and tensors; prints nothing.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import torch

from .config import AnalysisConfig, GeneratorConfig
from .glyphs import render_parts, sample_seed
from .model import LetterMLP
from .preprocess import IMAGE_SIZE
from .strokes import CLASSES, LOOKALIKES, ROLES, letter_roles
from .tensors import image_tensor

EPSILON = 1e-6  # activations at or below this count as silent


@dataclass
class Probes:
    full: torch.Tensor  # (L*P, 28, 28) uint8 full glyphs, letters in CLASSES order
    full_labels: torch.Tensor  # (L*P,) int64
    owners: torch.Tensor  # (L*P, 28, 28) uint8: 0 paper, k = ROLES[k-1]
    parts: dict  # tuple of kept roles -> (P, 28, 28) uint8 images of only those strokes
    blank: torch.Tensor  # (1, 28, 28) uint8 zeros


def build_probes(config: AnalysisConfig, generator: GeneratorConfig) -> Probes:
    """Seeded probe glyphs: for each letter, every non-empty proper subset of its strokes."""
    full, labels, owners, parts = [], [], [], {}
    for li, letter in enumerate(CLASSES):
        roles = letter_roles(letter)
        subsets = [s for k in range(1, len(roles)) for s in itertools.combinations(roles, k)]
        images = {s: [] for s in subsets}
        for k in range(config.probes):
            glyph, rendered = render_parts(letter, sample_seed(config.seed, li * 1_000_000 + k), generator, subsets)
            full.append(image_tensor(glyph.image))
            coverage = torch.stack([image_tensor(glyph.roles[r]) for r in roles])  # (roles, 28, 28)
            own = coverage.argmax(0).to(torch.uint8) + ROLES.index(roles[0]) + 1
            owners.append(torch.where(full[-1] > 0, own, torch.zeros_like(own)))
            labels.append(li)
            for s, image in zip(subsets, rendered):
                images[s].append(image_tensor(image))
        parts.update({s: torch.stack(v) for s, v in images.items()})
    return Probes(torch.stack(full), torch.tensor(labels), torch.stack(owners), parts,
                  torch.zeros(1, IMAGE_SIZE, IMAGE_SIZE, dtype=torch.uint8))


def _x(images: torch.Tensor) -> torch.Tensor:
    return images.flatten(1).float() / 255.0


def forward_ablated(model: LetterMLP, x: torch.Tensor, ablate: dict | None = None) -> torch.Tensor:
    """Logits with the given hidden units forced to zero: {layer index: [unit, ...]}."""
    h = x
    for i, layer in enumerate(model.hidden):
        h = torch.relu(layer(h))
        if ablate and ablate.get(i):
            h = h.clone()
            h[:, ablate[i]] = 0.0
    return model.output(h)


def unit_votes(model: LetterMLP) -> list[torch.Tensor]:
    """Per hidden layer, (classes, units): the unit's weight into each class logit, through
    the product of weights for an earlier layer (ReLUs taken as open)."""
    votes, through = [], model.output.weight.detach()
    for layer in reversed(model.hidden):
        votes.insert(0, through)
        through = through @ layer.weight.detach()
    return votes


def attribution_maps(model: LetterMLP, x: torch.Tensor, layer: int) -> torch.Tensor:
    """(N, units, 784): each pixel's share of each unit's pre-activation. Layer 0 is
    weight x input; a deeper layer uses gradient x input, exact for a ReLU net."""
    w1 = model.hidden[0].weight.detach()
    if layer == 0:
        return x[:, None, :] * w1[None, :, :]
    h1 = torch.relu(model.hidden[0](x))
    w2 = model.hidden[1].weight.detach()
    jac = (w2[None] * (h1 > 0).float()[:, None, :]) @ w1  # (N, units2, 784)
    return x[:, None, :] * jac


def dissect(attributions: torch.Tensor, owners: torch.Tensor, quantile: float) -> tuple[list, list]:
    """Network Dissection for an MLP: per unit, threshold its attribution maps at the given
    quantile over the whole probe set and score IoU with each role's exact masks.
    Returns (best role per unit, its IoU, every role's IoU per unit)."""
    n, units, pixels = attributions.shape
    owners = owners.flatten(1).long()  # (N, 784)
    masks = [(owners == k + 1) for k in range(len(ROLES))]
    best_roles, best_ious, all_ious = [], [], []
    for u in range(units):
        a = attributions[:, u, :]
        flat = a.flatten()
        sample = flat if flat.numel() <= 1_000_000 else flat[:: flat.numel() // 1_000_000 + 1]
        threshold = torch.quantile(sample, quantile)
        hot = a > max(float(threshold), 0.0)
        ious = []
        for mask in masks:
            inter = (hot & mask).sum().item()
            union = (hot | mask).sum().item()
            ious.append(inter / union if union else 0.0)
        k = max(range(len(ROLES)), key=lambda i: ious[i])
        best_roles.append(ROLES[k])
        best_ious.append(ious[k])
        all_ious.append(ious)
    return best_roles, best_ious, all_ious


def _related(role: str) -> set:
    """The role, the other strokes of its letter (they always appear together), and its lookalikes."""
    group = set(letter_roles(role.split(".")[0]))
    for a, b in LOOKALIKES:
        if role in (a, b):
            group |= {a, b}
    return group


def label_unit(responses: dict, fired: bool, fire_fraction: float) -> tuple[str, float, list]:
    """Label from the unit's response to each role (mean activation above its baseline,
    per pixel of the stroke's ink):
    `dead` when it never fires, its preferred role when every role it fires for belongs to
    the same letter or is a lookalike of it (C.top_curve ~ B.upper_bowl, ...), else `mixed`. Selectivity = (top - mean of the others) /
    (top + mean of the others), responses clipped at 0: 1 for one role only, 0 for all alike."""
    clipped = {r: max(v, 0.0) for r, v in responses.items()}
    top_role = max(clipped, key=clipped.get)
    top = clipped[top_role]
    others = [v for r, v in clipped.items() if r != top_role]
    mean_others = sum(others) / len(others) if others else 0.0
    selectivity = (top - mean_others) / (top + mean_others) if top + mean_others > EPSILON else 0.0
    if not fired or top <= EPSILON:
        return ("dead" if not fired else "mixed"), selectivity, []
    firing = [r for r, v in clipped.items() if v >= fire_fraction * top]
    label = top_role if set(firing) <= _related(top_role) else "mixed"
    return label, selectivity, firing


@torch.no_grad()
def _probabilities(model: LetterMLP, images: torch.Tensor, ablate=None) -> torch.Tensor:
    return torch.softmax(forward_ablated(model, _x(images), ablate), 1)


def analyze_units(model: LetterMLP, probes: Probes, config: AnalysisConfig) -> list[dict]:
    """One record per hidden unit, every layer."""
    model = model.cpu().eval()
    role_images = {r: probes.parts[(r,)] for r in ROLES}
    with torch.no_grad():
        by_role = {r: [h.mean(0) for h in model.hidden_activations(_x(imgs))] for r, imgs in role_images.items()}
        by_letter = {c: [h.mean(0) for h in model.hidden_activations(_x(probes.full[probes.full_labels == i]))]
                     for i, c in enumerate(CLASSES)}
        baseline = [h[0] for h in model.hidden_activations(_x(probes.blank))]
        full_acts = model.hidden_activations(_x(probes.full))
        stroke_acts = [torch.cat([model.hidden_activations(_x(role_images[r]))[layer] for r in ROLES])
                       for layer in range(len(model.hidden))]
        votes = unit_votes(model)
        ink = {r: float(imgs.float().sum((1, 2)).mean() / 255.0) or 1.0 for r, imgs in role_images.items()}
        x_full = _x(probes.full)
        true = probes.full_labels
        base_logp = torch.log_softmax(model(x_full), 1)[torch.arange(len(true)), true]
    records = []
    for layer in range(len(model.hidden)):
        with torch.no_grad():
            attributions = attribution_maps(model, x_full, layer)
        best_roles, ious, role_ious = dissect(attributions, probes.owners, config.quantile)
        del attributions
        bias = model.hidden[layer].bias.detach()
        for u in range(bias.numel()):
            fired = bool(max(full_acts[layer][:, u].max(), stroke_acts[layer][:, u].max(), baseline[layer][u]) > EPSILON)
            # per pixel of ink, so a big bowl does not win over a short crossbar by size alone
            responses = {r: float(by_role[r][layer][u] - baseline[layer][u]) / ink[r] for r in ROLES}
            label, selectivity, firing = label_unit(responses, fired, config.fire_fraction)
            with torch.no_grad():
                logp = torch.log_softmax(forward_ablated(model, x_full, {layer: [u]}), 1)[torch.arange(len(true)), true]
            records.append({
                "layer": layer + 1, "index": u, "bias": round(float(bias[u]), 5),
                "baseline": round(float(baseline[layer][u]), 5), "label": label,
                "selectivity": round(selectivity, 4), "iou": round(ious[u], 4), "iou_role": best_roles[u],
                "iou_by_role": {r: round(v, 4) for r, v in zip(ROLES, role_ious[u])},
                "fires_on": firing,
                "stroke_activation": {r: round(float(by_role[r][layer][u]), 5) for r in ROLES},
                "letter_activation": {c: round(float(by_letter[c][layer][u]), 5) for c in CLASSES},
                "votes": {c: round(float(votes[layer][i, u]), 5) for i, c in enumerate(CLASSES)},
                "ablation_cost": round(float((base_logp - logp).mean()), 5),
            })
    return records


def _rate(probs: torch.Tensor, index: int) -> float:
    return float((probs.argmax(1) == index).float().mean())


def _mean_probs(probs: torch.Tensor) -> dict:
    return {c: round(float(v), 4) for c, v in zip(CLASSES, probs.mean(0))}


def misclassification(model: LetterMLP, probes: Probes, units: list[dict], config: AnalysisConfig) -> dict:
    """The text's example, measured: lone strokes, shared units, stroke deletion, ablation."""
    c_index = CLASSES.index("C")
    lone = {}
    for role in ("B.upper_bowl", "A.left_diagonal", "C.top_curve", "C.left_line", "C.bottom_curve"):
        probs = _probabilities(model, probes.parts[(role,)])
        lone[role] = {"n": len(probs), "mean_probabilities": _mean_probs(probs), "called_C": round(_rate(probs, c_index), 4)}

    shared = []
    for c_role, other in LOOKALIKES:
        both = [u for u in units if c_role in u["fires_on"] and other in u["fires_on"]]
        shared.append({"roles": [c_role, other], "units": [
            {"layer": u["layer"], "index": u["index"], "label": u["label"], "vote_C": u["votes"]["C"],
             "activation": {c_role: u["stroke_activation"][c_role], other: u["stroke_activation"][other]}}
            for u in sorted(both, key=lambda u: -u["votes"]["C"])]})

    def deletion(ablate=None) -> list[dict]:
        rows = []
        for letter in ("B", "A"):
            roles = letter_roles(letter)
            for kept in sorted((s for s in probes.parts if set(s) <= set(roles)), key=len):
                probs = _probabilities(model, probes.parts[kept], ablate)
                removed = [r for r in roles if r not in kept]
                rows.append({"letter": letter, "kept": list(kept), "removed": removed, "n": len(probs),
                             "called_C": round(_rate(probs, c_index), 4),
                             "called_true": round(_rate(probs, CLASSES.index(letter)), 4),
                             "mean_probabilities": _mean_probs(probs)})
        return rows

    def accuracy(ablate=None) -> float:
        return round(_rate_true(_probabilities(model, probes.full, ablate), probes.full_labels), 4)

    ablate: dict = {}
    for group in shared:
        for u in group["units"]:
            ablate.setdefault(u["layer"] - 1, []).append(u["index"])
    ablate = {k: sorted(set(v)) for k, v in ablate.items()}
    before, after = deletion(), deletion(ablate) if ablate else None
    lone_after = {role: {"called_C": round(_rate(_probabilities(model, probes.parts[(role,)], ablate), c_index), 4)}
                  for role in lone} if ablate else None
    result = {
        "lone_strokes": lone, "shared_units": shared, "deletion": before,
        "ablation": {"units": [{"layer": k + 1, "index": i} for k, v in ablate.items() for i in v],
                     "accuracy_before": accuracy(), "accuracy_after": accuracy(ablate) if ablate else accuracy(),
                     "deletion_after": after, "lone_strokes_after": lone_after},
    }
    result["summary"] = _sentences(result)
    return result


def _rate_true(probs: torch.Tensor, labels: torch.Tensor) -> float:
    return float((probs.argmax(1) == labels).float().mean())


def _pct(v: float) -> str:
    return f"{100 * v:.0f}%"


def _sentences(result: dict) -> list[str]:
    """The measurements in plain sentences, whatever they show."""
    lone, out = result["lone_strokes"], []
    for role in ("B.upper_bowl", "A.left_diagonal"):
        r = lone[role]
        p = r["mean_probabilities"]
        top = max(p, key=p.get)
        if r["called_C"] >= 0.5:
            verdict = "so the text's confusion happens: the network reads this stroke as C"
        elif r["called_C"] >= 0.1:
            verdict = f"so the text's confusion happens for some samples, though the answer is mostly {top}"
        else:
            verdict = f"so the text's confusion does not happen: the answer is mostly {top}"
        out.append(f"{role} alone (n={r['n']}) is called C in {_pct(r['called_C'])} of samples "
                   f"(mean P(A)={p['A']:.2f}, P(B)={p['B']:.2f}, P(C)={p['C']:.2f}), {verdict}.")
    for role in ("C.top_curve", "C.left_line", "C.bottom_curve"):
        r = lone[role]
        out.append(f"{role} alone is called C in {_pct(r['called_C'])} of samples (mean P(C)={r['mean_probabilities']['C']:.2f}).")
    for group in result["shared_units"]:
        a, b = group["roles"]
        if group["units"]:
            ids = ", ".join(f"L{u['layer']}.{u['index']} (vote for C {u['vote_C']:+.2f})" for u in group["units"][:6])
            out.append(f"{len(group['units'])} unit(s) fire on both {a} and {b}: {ids}.")
        else:
            out.append(f"No unit fires on both {a} and {b}: the network keeps them apart.")
    worst = max((r for r in result["deletion"]), key=lambda r: r["called_C"])
    out.append(f"Deleting strokes: {worst['letter']} without {' and '.join(worst['removed'])} is called C in "
               f"{_pct(worst['called_C'])} of {worst['n']} samples, the highest rate of any deletion.")
    abl = result["ablation"]
    if abl["units"] and abl["deletion_after"]:
        same = {(r["letter"], tuple(r["kept"])): r for r in abl["deletion_after"]}
        after = same[(worst["letter"], tuple(worst["kept"]))]
        out.append(f"Zeroing the {len(abl['units'])} shared unit(s) changes that rate to {_pct(after['called_C'])} "
                   f"and accuracy on whole probe glyphs from {_pct(abl['accuracy_before'])} to {_pct(abl['accuracy_after'])}.")
    return out


def analyze(model: LetterMLP, config: AnalysisConfig, generator: GeneratorConfig, probes: Probes | None = None) -> dict:
    """Everything `letters analyze` reports, as plain types (JSON-ready)."""
    config.validate()
    probes = probes or build_probes(config, generator)
    units = analyze_units(model, probes, config)
    by_role = {r: [f"L{u['layer']}.{u['index']}" for u in units if r in u["fires_on"]] for r in ROLES}
    counts = {}
    for u in units:
        key = u["label"] if u["label"] in ("dead", "mixed") else "labelled"
        counts[key] = counts.get(key, 0) + 1
    return {
        "dims": model.dims.as_dict(), "roles": list(ROLES), "classes": list(CLASSES),
        "probes": {"per_role": config.probes, "seed": config.seed, "letters": config.probes * len(CLASSES)},
        "importance": "ablation_cost: mean drop in the true class's log-probability on whole probe glyphs "
                      "when the unit is zeroed",
        "units": units, "units_by_role": by_role, "label_counts": counts,
        "clean_units": sum(1 for u in units if u["label"] not in ("dead", "mixed") and u["iou"] >= config.clean_iou),
        "misclassification": misclassification(model, probes, units, config),
    }


def unit_labels(model: LetterMLP, probes_per_role: int = 60) -> list[str]:
    """Stroke labels of the last hidden layer's units, from a quick probe run."""
    config = AnalysisConfig(probes=probes_per_role)
    probes = build_probes(config, GeneratorConfig())
    units = analyze_units(model, probes, config)
    last = len(model.hidden)
    return [u["label"] for u in units if u["layer"] == last]


def mean_probe_images(probes: Probes) -> dict:
    """Mean image of each lone-stroke probe set, for pictures: role -> (28, 28) float."""
    return {r: probes.parts[(r,)].float().mean(0) for r in ROLES}


def compare_weight_decay(count: int = 450, decays=(0.0, 1e-3), epochs: int = 150, seed: int = 0,
                         hidden=(64,), config: AnalysisConfig | None = None, val_count: int = 3000) -> list[dict]:
    """Train the same network on a small dataset (`count` glyphs), without and with weight
    decay, and report train accuracy, accuracy on `val_count` fresh glyphs (the overfitting
    gap), the weight norms and how many units get a clean stroke label."""
    from .config import DatasetConfig, TrainConfig
    from .dataset import Dataset
    from .generator import generate_tensors
    from .train import train_model

    config = config or AnalysisConfig(probes=60)
    total = count + val_count  # the tail is validation: many fresh glyphs, so the gap is not noise
    tensors = generate_tensors(DatasetConfig(count=total, seed=seed, val_fraction=val_count / total))
    data = Dataset(tensors["images"], tensors["labels"], tensors["is_val"], list(CLASSES), {})
    probes = build_probes(config, GeneratorConfig())
    rows = []
    for decay in decays:
        model, result = train_model(data, TrainConfig(hidden=tuple(hidden), weight_decay=decay, epochs=epochs, seed=seed,
                                                      device="cpu"))
        last = result.history[-1]
        units = analyze_units(model, probes, config)
        rows.append({
            "weight_decay": decay, "train_accuracy": round(last.train_accuracy, 4),
            "val_accuracy": round(last.val_accuracy, 4),
            "gap": round(last.train_accuracy - last.val_accuracy, 4),
            "data_loss": round(last.data_loss, 4),
            "weight_norms": [round(v, 3) for v in last.weight_norms],
            "clean_units": sum(1 for u in units if u["label"] not in ("dead", "mixed") and u["iou"] >= config.clean_iou),
            "dead_units": sum(1 for u in units if u["label"] == "dead"),
            "units": len(units), "train_size": int((~data.is_val).sum()), "val_size": int(data.is_val.sum()),
        })
    return rows


def weight_decay_summary(rows: list[dict]) -> str:
    """The comparison in one plain sentence, whatever it shows."""
    off, on = rows[0], rows[-1]
    narrowed = on["gap"] < off["gap"] - 0.005  # half a point: less is noise on a few thousand glyphs
    verdict = ("so the regularised network generalises better, as the text says" if narrowed else
               "so here it does not generalise better than without")
    return (f"On {off['train_size']} training glyphs, weight decay {on['weight_decay']:g} shrank the first layer's "
            f"weight norm from {off['weight_norms'][0]:.1f} to {on['weight_norms'][0]:.1f}; train accuracy "
            f"{off['train_accuracy']:.3f} -> {on['train_accuracy']:.3f}, accuracy on {off['val_size']} fresh glyphs "
            f"{off['val_accuracy']:.3f} -> {on['val_accuracy']:.3f} (gap {off['gap']:.3f} -> {on['gap']:.3f}), "
            f"{verdict}; units with a clean stroke label {off['clean_units']} -> {on['clean_units']}.")
