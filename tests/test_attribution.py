"""The analysis's arithmetic against answers worked out by hand: first-layer attribution, the
dissection IoU of a known map, and ablation against zeroing the units by hand. (The second
layer's attribution is checked against autograd in test_analysis.py.)"""

from types import SimpleNamespace

import pytest
import torch

from letters.analysis import attribution_maps, dissect, forward_ablated
from letters.model import LetterMLP, ModelDims


@pytest.fixture
def two_layers():
    torch.manual_seed(0)
    return LetterMLP(ModelDims(784, (12, 5), 3)).double()


def test_first_layer_attribution_is_weight_times_input(two_layers):
    x = torch.rand(3, 784, dtype=torch.float64)
    maps = attribution_maps(two_layers, x, 0)  # (N, units, 784)
    w = two_layers.hidden[0].weight.detach()
    assert torch.allclose(maps, x[:, None, :] * w[None])
    # each map sums to the unit's pre-activation without its bias
    assert torch.allclose(maps.sum(2), x @ w.T)


def test_ablation_equals_zeroing_the_units_by_hand(two_layers):
    x = torch.rand(6, 784, dtype=torch.float64)
    ablate = {0: [1, 4, 7], 1: [2]}
    with torch.no_grad():
        h1 = torch.relu(two_layers.hidden[0](x))
        h1[:, [1, 4, 7]] = 0
        h2 = torch.relu(two_layers.hidden[1](h1))
        h2[:, 2] = 0
        by_hand = two_layers.output(h2)
        got = forward_ablated(two_layers, x, ablate)
    assert torch.allclose(got, by_hand)
    with torch.no_grad():
        assert torch.allclose(forward_ablated(two_layers, x, {}), two_layers(x))  # nothing ablated: the plain forward
        assert not torch.allclose(got, two_layers(x))


def test_dissect_on_a_map_with_a_known_iou():
    # 20 probe pixels: 10 on ink (entries 0-9), 10 on paper (where every map is 0).
    # Stroke 1 owns ink entries 0-3, stroke 2 entries 4-9.
    onehot = torch.zeros(10, 2)
    onehot[:4, 0] = 1
    onehot[4:, 1] = 1
    ink = SimpleNamespace(total=20, onehot=onehot, mask_size=onehot.sum(0))
    maps = torch.tensor([[10.0, 9, 1, 2, 8, 7, 3, 4, 5, 6],  # top 20% of 20 pixels: entries 0, 1, 4, 5
                         [-1.0, -2, -3, -4, -5, -6, -7, -8, -9, -10]])  # never above 0: nothing is hot
    iou = dissect(maps, ink, quantile=0.8)
    # by hand: stroke 1: 2 shared / (4 hot + 4 - 2) = 1/3; stroke 2: 2 / (4 + 6 - 2) = 1/4
    assert iou[0].tolist() == pytest.approx([1 / 3, 1 / 4])
    assert iou[1].tolist() == [0.0, 0.0]
