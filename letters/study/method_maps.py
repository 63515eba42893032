"""Attribution maps: Captum's methods, the project's own unit attribution, three baselines, and the
cascade of weight randomisations the sanity check runs them on.

Every method is a function (model, x (N, 784) in [0, 1], target (N,)) -> (N, 784) map, so methods,
baselines and a test's fake method are scored alike. Captum is imported inside the functions only:
`letters --help` never pays for it, and a missing Captum is one line (`require_captum`).
"""

from __future__ import annotations

import copy
import math
import warnings
import zlib
from typing import Callable

import torch
from torch import nn
from torch.nn import functional as F

from ..errors import LettersError
from ..network.model import LetterMLP

Method = Callable[[LetterMLP, torch.Tensor, torch.Tensor], torch.Tensor]
CAPTUM_MISSING = 'letters methods needs Captum: pip install -e ".[methods]"'


def require_captum():
    """captum.attr, or one line saying how to install it."""
    try:
        import captum  # type: ignore[import-untyped,import-not-found]  # noqa: F401 - the package first: a None in sys.modules stops here
        import captum.attr as attr  # type: ignore[import-untyped,import-not-found]
    except ImportError:
        raise LettersError(CAPTUM_MISSING) from None
    return attr


def sequential(model: LetterMLP) -> nn.Sequential:
    """The same layers (shared, not copied) with ReLU as modules: DeepLift's rules replace module
    nonlinearities only, and the model's functional ReLU would pass as a plain gradient."""
    parts: list[nn.Module] = [nn.Flatten()]
    for layer in model.hidden:
        parts += [layer, nn.ReLU()]
    return nn.Sequential(*parts, model.output).eval()


def _seeded(seed: int, work: Callable[[], torch.Tensor]) -> torch.Tensor:
    """Run `work` on the global RNGs seeded with `seed`, then put them back: Captum draws from torch's
    (noise tunnels, baseline picks) and from numpy's (gradient SHAP's points along the path)."""
    import numpy as np  # Captum's own dependency

    state = np.random.get_state()
    np.random.seed(seed)
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            return work()
    finally:
        np.random.set_state(state)


def captum_methods(steps: int, samples: int, window: int, background: torch.Tensor, seed: int) -> dict[str, Method]:
    """Captum's six methods. Every reference input is blank paper (no ink, the network's 0), except
    gradient SHAP's, which is a background of whole glyphs: SHAP's expected value over real inputs."""
    attr = require_captum()

    def run(kind, **options) -> Method:
        def method(model: LetterMLP, x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
            explainer = kind(sequential(model))
            inputs = x.view(-1, 1, 28, 28) if kind is attr.Occlusion else x.clone().requires_grad_(True)
            with warnings.catch_warnings():  # DeepLift's note that it hooks the ReLUs for the call
                warnings.simplefilter("ignore", UserWarning)
                maps = _seeded(seed, lambda: explainer.attribute(inputs, target=target, **options))
            return maps.detach().reshape(len(x), -1)
        return method

    stride = max(1, window // 2)
    return {
        "saliency": run(attr.Saliency),
        "input x gradient": run(attr.InputXGradient),
        "integrated gradients": run(attr.IntegratedGradients, baselines=0.0, n_steps=steps, internal_batch_size=4096),
        "DeepLift": run(attr.DeepLift, baselines=0.0),
        "occlusion": run(attr.Occlusion, sliding_window_shapes=(1, window, window), strides=(1, stride, stride),
                         baselines=0.0, perturbations_per_eval=16),
        "gradient SHAP": run(attr.GradientShap, baselines=background, n_samples=samples),
    }


def top_units(model: LetterMLP, x: torch.Tensor, target: torch.Tensor, units: int) -> torch.Tensor:
    """(N, last layer's units): the sign of each of the `units` largest positive pushes on the target
    (activation x outgoing weight, as `letters classify --explain` lists them), 0 for every other unit."""
    with torch.no_grad():
        hidden = model.hidden_activations(x)[-1]
        push = hidden * model.output.weight[target]
    top = push.topk(min(units, push.shape[1]), dim=1).indices
    chosen = torch.zeros_like(push).scatter_(1, top, 1.0)
    return chosen * push.sign() * (push > 0)  # explain lists positive pushes only; a unit off pushes nothing


def unit_attribution(units: int) -> Method:
    """The project's own map: the sum over the top units of push sign x incoming weight x input, where
    the unit is on. For a deeper net the incoming weight is the unit's input gradient (the same thing
    for one hidden layer), so one backward pass serves every glyph's own set of units."""
    def method(model: LetterMLP, x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        signs = top_units(model, x, target, units)
        inputs = x.clone().requires_grad_(True)
        h = inputs
        for layer in model.hidden[:-1]:
            h = F.relu(layer(h))
        pre = model.hidden[-1](h)
        (grad,) = torch.autograd.grad((pre * signs).sum(), inputs)
        return (grad * x).detach()  # signs are 0 where a unit is off, so only units that are on count
    return method


def random_map(seed: int) -> Method:
    """Seeded signed noise, chance: a fixed function of the seed and the glyph (its bytes pick the noise),
    so a glyph gets the same map whatever the network and whichever glyphs it is scored with."""
    def method(model: LetterMLP, x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        rows = [torch.randn(x.shape[1], generator=torch.Generator().manual_seed(
            (seed << 32) + zlib.crc32(row.detach().cpu().numpy().tobytes()))) for row in x]
        return torch.stack(rows) if rows else torch.zeros_like(x)
    return method


def input_map(model: LetterMLP, x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """The input itself: all of its mass on the ink, by construction."""
    return x.clone()


_SOBEL = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])


def sobel_map(model: LetterMLP, x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """An edge detector: the Sobel gradient magnitude of the input, which knows nothing of the network."""
    image = x.view(-1, 1, 28, 28)
    kernels = torch.stack([_SOBEL, _SOBEL.T])[:, None]
    edges = F.conv2d(image, kernels, padding=1)
    return edges.pow(2).sum(1).sqrt().reshape(len(x), -1)


def baselines(seed: int) -> dict[str, Method]:
    return {"random map": random_map(seed), "input": input_map, "Sobel edges": sobel_map}


def cascade(model: LetterMLP, seed: int) -> list[tuple[list[str], LetterMLP]]:
    """Copies of the model with its weights randomised layer by layer from the top (Adebayo et al. 2018):
    the output layer first, then each hidden layer down to the first, cumulatively; each entry names the
    layers randomised so far. Re-drawn as the model draws its first weights (Glorot uniform), seeded."""
    generator = torch.Generator().manual_seed(seed)
    layers = [("output", -1)] + [(f"L{k + 1}", k) for k in reversed(range(len(model.hidden)))]
    out, net, names = [], copy.deepcopy(model), list[str]()
    for name, index in layers:
        net = copy.deepcopy(net)
        layer = net.layers()[index]
        bound = math.sqrt(6.0 / (layer.in_features + layer.out_features))
        with torch.no_grad():
            layer.weight.copy_(torch.rand(layer.weight.shape, generator=generator) * 2 * bound - bound)
            layer.bias.copy_(torch.rand(layer.bias.shape, generator=generator) * 2 * bound - bound)
        names = [*names, name]
        out.append((names, net.eval()))
    return out
