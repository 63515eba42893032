"""The study's arithmetic against answers worked out by hand: first-layer attribution on the ink, the
dissection IoU of a known map, and ablation against zeroing the units by hand."""

from types import SimpleNamespace

import pytest
import torch

from letters.config import AnalysisConfig, GeneratorConfig
from letters.network.model import LetterMLP, ModelDims
from letters.study.dissection import InkPixels, dissect
from letters.study.forward import masked_logits
from letters.study.probes import build_probes


@pytest.fixture
def two_layers():
    torch.manual_seed(0)
    return LetterMLP(ModelDims(784, (12, 5), 3)).double()


def test_first_layer_maps_are_weight_times_input_on_the_ink():
    probes = build_probes(AnalysisConfig(probes=2), GeneratorConfig())
    ink = InkPixels(probes)
    w = torch.randn(4, 784)
    maps = ink.maps(w)  # (units, M)
    x = probes.x("full")
    dense = (x[:, None, :] * w[None])[ink.sample, :, ink.pixel].T
    assert torch.allclose(maps, dense)
    gate = torch.zeros(len(x), 4)
    gate[0, 1] = 1.0  # unit 1 on for the first glyph only
    gated = ink.maps(w, gate)
    assert gated[[0, 2, 3]].abs().sum() == 0 and torch.allclose(gated[1][ink.sample == 0], dense[1][ink.sample == 0])


def test_ablation_equals_zeroing_the_units_by_hand(two_layers):
    x = torch.rand(6, 784, dtype=torch.float64)
    masks = [torch.ones(1, 12, dtype=torch.float64), torch.ones(1, 5, dtype=torch.float64)]
    masks[0][0, [1, 4, 7]] = 0
    masks[1][0, 2] = 0
    with torch.no_grad():
        h1 = torch.relu(two_layers.hidden[0](x))
        h1[:, [1, 4, 7]] = 0
        h2 = torch.relu(two_layers.hidden[1](h1))
        h2[:, 2] = 0
        by_hand = two_layers.output(h2)
        got = masked_logits(two_layers, x, masks)[0]
        assert torch.allclose(got, by_hand)
        assert torch.allclose(masked_logits(two_layers, x, [None, None]), two_layers(x))  # nothing zeroed


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
