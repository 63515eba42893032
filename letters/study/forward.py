"""The network's forward pass seen from inside: votes, and logits with chosen hidden units zeroed.

`unit_votes` is each unit's weight into each letter's logit (through later layers' weights, ReLUs
taken as open); `pushes` is what each last-layer unit adds to an answer for one input; `masked_logits`
runs many ablations at once, one mask per set of zeroed units.
"""

from __future__ import annotations

import torch

from ..network.model import LetterMLP


def unit_votes(model: LetterMLP) -> list[torch.Tensor]:
    """Per hidden layer, (classes, units): the unit's weight into each class logit, through
    the product of weights for an earlier layer (ReLUs taken as open)."""
    votes: list[torch.Tensor] = []
    through = model.output.weight.detach()
    for layer in reversed(list(model.hidden)):
        votes.insert(0, through)
        through = through @ layer.weight.detach()
    return votes


@torch.no_grad()
def pushes(model: LetterMLP, last: torch.Tensor, direction: torch.Tensor, blank: torch.Tensor | None = None) -> torch.Tensor:
    """(units,): each last-layer unit's push on an answer for one input: its rise over a blank page (the
    response's one baseline, so a unit its bias alone keeps on pushes nothing) times its weight along
    `direction` (the answer's row of output weights, or the wrong letter's minus the true one's).
    `last`: (units,), the input's last hidden activations. The pushes and the blank page's logits sum to
    the input's logits along `direction`. `blank`: the blank page's last activations, when already known."""
    if blank is None:
        blank = model.hidden_activations(torch.zeros(1, model.dims.inputs, device=last.device))[-1][0]
    return (last - blank) * direction


def masked_logits(model: LetterMLP, x: torch.Tensor, masks: list, first: torch.Tensor | None = None) -> torch.Tensor:
    """Logits with hidden units scaled by masks: masks[i] is None or (K, units of layer i),
    1 keeps a unit and 0 zeroes it. x (N, 784) -> (N, classes), or (K, N, classes) with masks.
    `first`, the first layer's activations on x when already known, saves recomputing them."""
    layers = list(model.hidden)
    h = first if first is not None else torch.relu(layers[0](x))
    if len(layers) == 2:
        pre = layers[1](h)  # (N, units2)
        if masks[0] is not None:  # remove only the zeroed units' share: a few columns, not K dense products
            zeroed = 1.0 - masks[0]  # (K, units1)
            idx = zeroed.topk(max(1, int(zeroed.sum(1).max())), dim=1).indices  # (K, s), padded with kept units
            share = h[:, idx].permute(1, 0, 2) * zeroed.gather(1, idx)[:, None, :]  # (K, N, s)
            pre = pre[None] - torch.bmm(share, layers[1].weight.T[idx])  # (K, N, units2)
        h = torch.relu(pre)
    mask = masks[-1]
    if mask is None:
        return model.output(h)
    w = mask[:, :, None] * model.output.weight.T[None]  # (K, units, classes): the last mask folded into the output
    if h.dim() == 2:
        k, units, c = w.shape
        out = (h @ w.permute(1, 0, 2).reshape(units, k * c)).reshape(len(h), k, c).permute(1, 0, 2)
    else:
        out = h @ w
    return out + model.output.bias


@torch.no_grad()
def masked_predictions(model: LetterMLP, x: torch.Tensor, masks: list) -> torch.Tensor:
    """(K, N) predicted class under K mask sets (chunked to bound memory)."""
    k = next((m.shape[0] for m in masks if m is not None), 1)
    first = torch.relu(model.hidden[0](x))
    # K copies of the second layer's activations with two layers; of the logits with one
    widest = model.hidden[-1].out_features if len(masks) == 2 else model.output.out_features
    chunk = max(1, 8_000_000 // max(1, len(x) * widest))
    out = []
    for start in range(0, k, chunk):
        part = [m[start:start + chunk] if m is not None else None for m in masks]
        logits = masked_logits(model, x, part, first)
        out.append(logits.argmax(-1).reshape(-1, len(x)))
    return torch.cat(out)
