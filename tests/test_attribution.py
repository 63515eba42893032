"""The analysis's arithmetic against independent oracles: attribution maps against autograd
(as micrograd is tested against PyTorch), and ablation against zeroing the units by hand."""

import pytest
import torch

from letters.analysis import attribution_maps, forward_ablated
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


def test_second_layer_attribution_is_gradient_times_input_from_autograd(two_layers):
    x = torch.rand(4, 784, dtype=torch.float64)
    maps = attribution_maps(two_layers, x, 1)  # (N, units of layer 2, 784)
    assert maps.shape == (4, 5, 784)
    for n in range(len(x)):
        def pre_activation(v):  # the second layer's units before their ReLU
            return two_layers.hidden[1](torch.relu(two_layers.hidden[0](v)))

        jacobian = torch.autograd.functional.jacobian(pre_activation, x[n])  # (5, 784), by autograd
        assert torch.allclose(maps[n], jacobian * x[n][None], atol=1e-12)


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
